import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requestNew } from "../../fakes/request-new.js";
import { freePort } from "../../helpers/buildbot-harness.js";
import { bbConfig, wireService } from "../../helpers/buildbot-service.js";
import { makeConfig } from "../../helpers/make-config.js";

/**
 * Buildbot down or hanging: the person gets a clear refusal within the slash acknowledgement, not
 * a hang. No Buildbot needed: a closed port, and a socket that accepts and never answers.
 */

const alice = { id: "uid-alice", name: "alice" };
const ci = { id: "chan-ci", name: "ci" };
const config = makeConfig({ repos: { app: { url: "/x", backend: "buildbot", commands: ["true"] } } });

function configFor(url: string) {
  return bbConfig({
    url,
    username: "slashbuild",
    password: "pw",
    status_secret: "0123456789abcdef",
    request_timeout: "1s",
  });
}

describe("Buildbot unavailable", () => {
  let silent: Server;
  let silentUrl: string;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    silent = createServer((socket) => sockets.add(socket)); // accepts, never answers
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const address = silent.address();
    silentUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it("down (connection refused): BACKEND_UNAVAILABLE naming the master, build closed without posts", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const { service, notifier, store } = wireService(config, configFor(url));
    await expect(
      requestNew(service, { repo: "app", branch: null, revision: null, user: alice, channel: ci }),
    ).rejects.toMatchObject({
      code: "BACKEND_UNAVAILABLE",
      message: expect.stringContaining(`Buildbot at ${url} is not available (ECONNREFUSED)`),
    });
    expect(notifier.posts).toHaveLength(0);
    expect(store.unfinished()).toHaveLength(0);
  });

  it("hanging: gives up at the request deadline with a message saying so", async () => {
    const { service, backend } = wireService(config, configFor(silentUrl));
    await expect(
      requestNew(service, { repo: "app", branch: null, revision: null, user: alice, channel: ci }),
    ).rejects.toMatchObject({
      code: "BACKEND_UNAVAILABLE",
      message: expect.stringContaining("no answer within 1000 ms"),
    });
    expect(backend.trackedIds).toEqual([]);
  });

  it("stop while Buildbot is down reports it instead of pretending", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const { service, store } = wireService(config, configFor(url));
    const build = store.create({
      repo: "app",
      branch: "main",
      requestedRevision: null,
      requester: "alice",
      requesterId: alice.id,
      channelId: ci.id,
      channelName: ci.name,
      backend: "buildbot",
      rebuildOf: null,
      createdAt: Date.now(),
    });
    store.update(build.id, { status: "running", external: { buildrequestid: 5, buildid: 5 } });
    await expect(service.stopBuild(build.id, alice)).rejects.toMatchObject({ code: "BACKEND_UNAVAILABLE" });
    expect(service.getBuild(build.id).status).toBe("running");
  });
});
