import { describe, expect, it } from "vitest";
import { BuildService } from "../../../src/core/build-service.js";
import { handleCommand } from "../../../src/core/handle-command.js";
import { openDatabase } from "../../../src/store/open-database.js";
import { SqliteBuildStore } from "../../../src/store/sqlite-build-store.js";
import { MemoryDirectMessages } from "../../fakes/memory-direct-messages.js";
import { makeConfig } from "../../helpers/make-config.js";

const alice = { id: "uid-alice", name: "Alice" };
const bob = { id: "uid-bob", name: "bob" };
const ci = { id: "chan-ci", name: "ci" };

function setup(withDirectMessages: boolean) {
  const config = makeConfig({
    mattermost: { token: "t", channels: ["ci"] },
    repos: { app: { url: "/x", commands: ["true"] } },
  });
  const noop = () => {};
  const service = new BuildService({
    config,
    store: new SqliteBuildStore(openDatabase(":memory:")),
    notifier: { buildQueued: noop, buildStarted: noop, buildFinished: noop },
    refs: { branchExists: async () => true, assertOnBranch: async () => {} },
  });
  const preferences = new MemoryDirectMessages();
  const extras = withDirectMessages ? { directMessages: preferences } : {};
  const run = (text: string, user = alice) =>
    handleCommand(service, config, { text, user, channel: ci }, extras);
  return { run, preferences };
}

describe("/build notify me …", () => {
  it("stores the person's own choice by their chat id, says it, and forgets it with off", async () => {
    const { run, preferences } = setup(true);
    expect((await run("notify me")).text).toMatch(/You get no direct messages/);
    const set = await run("notify me failures");
    expect(set.visibility).toBe("ephemeral");
    expect(set.text).toMatch(/^Done: I will send you a direct message when .* fails or times out/);
    expect(preferences.levelOf(alice.id)).toBe("failures");
    expect(preferences.byName("alice")).toEqual({ userId: alice.id, level: "failures" });
    // Nobody else's choice changes.
    expect(preferences.levelOf(bob.id)).toBe("off");
    expect((await run("notify me")).text).toMatch(/^You get a direct message when .* fails or times out/);
    expect((await run("notify me all")).text).toMatch(/finishes\. `\/build notify me off` stops them/);
    expect(preferences.levelOf(alice.id)).toBe("all");
    expect((await run("notify me off")).text).toMatch(/^Done: no more direct messages/);
    expect(preferences.levelOf(alice.id)).toBe("off");
    expect(preferences.byName("alice")).toBeUndefined();
  });

  it("without a platform that sends direct messages (webhook mode), says they need bot mode and stores nothing", async () => {
    const { run, preferences } = setup(false);
    const reply = await run("notify me failures");
    expect(reply.refusal).toBe(true);
    expect(reply.code).toBe("DIRECT_MESSAGES_UNAVAILABLE");
    expect(reply.text).toMatch(/need slashbuild's bot mode \(`mattermost.url` and `mattermost.bot_token`/);
    expect(reply.text).toMatch(/Ask an admin/);
    expect(preferences.levelOf(alice.id)).toBe("off");
  });
});
