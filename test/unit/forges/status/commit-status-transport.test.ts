import { describe, expect, it } from "vitest";
import { type ConfiguredForge, configuredForges } from "../../../../src/forges/configured-forges.js";
import { FORGE_HOSTS } from "../../../../src/forges/forge-hosts.js";
import { createCommitStatusTransport } from "../../../../src/forges/status/commit-status-transport.js";
import type { CommitStatusPayload } from "../../../../src/forges/status/format-commit-status.js";
import { makeConfig } from "../../../helpers/make-config.js";

/** The transport is the same for every host; what it sends and how it reads the answer are the host's. */

const SHA = "0123456789abcdef0123456789abcdef01234567";
const status = (forge: string): CommitStatusPayload => ({
  forge,
  repo: "acme/app",
  sha: SHA,
  state: "success",
  targetUrl: "http://ci/builds/1",
  description: "#1 succeeded",
  context: "slashbuild",
});
const forges = configuredForges(
  makeConfig({
    forges: { gitlab: { token: "gl-token-0123456789" }, github: {} },
    repos: { app: { url: "/srv/app.git", commands: ["true"], forge: "gitlab" } },
  }),
  FORGE_HOSTS,
);

function recording(answer = new Response("{}", { status: 201 })) {
  const sent: { url: string; init: RequestInit }[] = [];
  const fetch = (async (url: string, init: RequestInit) => {
    sent.push({ url, init });
    return answer;
  }) as unknown as typeof globalThis.fetch;
  return { sent, transport: createCommitStatusTransport({ forges, timeoutMs: 1000, fetch, clock: () => 0 }) };
}

describe("the commit-status transport", () => {
  it("sends the request the payload's host shapes, as JSON, and reads the answer the host's way", async () => {
    const { sent, transport } = recording();
    expect(await transport.send(status("gitlab"))).toEqual({ kind: "delivered" });
    const expected = (forges.get("gitlab") as ConfiguredForge).host.statuses.request(
      "https://gitlab.com/api/v4",
      "gl-token-0123456789",
      status("gitlab"),
    );
    expect(sent[0]?.url).toBe(expected.url);
    expect(JSON.parse(String(sent[0]?.init.body))).toEqual(expected.body);
    expect(sent[0]?.init.headers).toMatchObject({ "content-type": "application/json", ...expected.headers });
  });

  it("a host that is not configured (any more), or has no token, is a permanent failure, sent nowhere", async () => {
    const { sent, transport } = recording();
    expect(await transport.send(status("gitea"))).toMatchObject({ kind: "permanent" });
    expect(await transport.send(status("github"))).toMatchObject({
      kind: "permanent",
      error: expect.stringContaining("forges.github"),
    });
    expect(await transport.send({ ...status("gitlab"), sha: 5 })).toMatchObject({ kind: "permanent" });
    expect(sent).toEqual([]);
  });
});
