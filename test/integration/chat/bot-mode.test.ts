import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { alice, type BotApp, bob, startBotApp, TOWN_SQUARE } from "./bot-app.js";

/**
 * Bot mode end to end: a real /build through the slash route, the embedded runner on a real git
 * repository, and the fake Mattermost's REST API receiving one root post per build, patched as
 * the build moves, with a thread reply at the finish.
 */

let t: BotApp | null = null;
const gateDirs: string[] = [];
afterEach(async () => {
  await t?.close();
  t = null;
  for (const dir of gateDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function present<T>(value: T | undefined): T {
  if (value === undefined) throw new Error("expected a value");
  return value;
}

function gateDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "slashbuild-gates-"));
  // Builds run sandboxed, as an unprivileged uid, with their own /tmp: the gate folder is granted
  // to them read-only (see sandboxSees) and must be searchable by that uid.
  chmodSync(dir, 0o755);
  gateDirs.push(dir);
  return dir;
}

/** Config that lets a sandboxed build see the gate folder. */
const sandboxSees = (dir: string) => ({ runner: { read_only_paths: [dir] } });

const wait = <T>(fn: () => T) => vi.waitFor(fn, { timeout: 20_000, interval: 20 });

/** A step that blocks until the test creates `<dir>/release-<n>`, so "step k of n" can be observed. */
function gate(dir: string, n: number): string {
  return `while [ ! -f '${path.join(dir, `release-${n}`)}' ]; do sleep 0.02; done`;
}

function release(dir: string, n: number): void {
  writeFileSync(path.join(dir, `release-${n}`), "");
}

describe("bot mode", () => {
  it("posts one root post per build, patches it through queued, running step k of n and the result, and replies in its thread mentioning the requester", async () => {
    const gates = gateDir();
    t = await startBotApp({ commands: ["echo one", gate(gates, 1), "echo three"] }, sandboxSees(gates));
    const answer = await t.slash("app");
    expect(answer).toMatch(/Queued build \[#1\]/);

    const root = await wait(() => {
      const [post] = t?.rest.roots(TOWN_SQUARE) ?? [];
      expect(post?.message).toMatch(/is running: step 2 of 3/);
      return present(post);
    });
    const rest = t.rest;
    expect(rest.actions(root.id).map((a) => a.name)).toEqual(["Stop"]);
    release(gates, 1);
    await wait(() => expect(root.message).toMatch(/succeeded\*\* after [\d.]+s\./));
    await wait(() => expect(rest.replies(root.id)).toHaveLength(1));

    expect(rest.roots()).toHaveLength(1);
    expect(root.history[0]).toMatch(
      /^:hourglass_flowing_sand: Build \[#1\]\(http:\/\/127\.0\.0\.1:\d+\/builds\/1\) of \*\*app\*\* \(branch \*\*main\*\*\) is queued\.$/,
    );
    expect(root.history.some((m) => /step 2 of 3, while/.test(m))).toBe(true);
    expect(root.history.at(-1)).toMatch(
      /^:white_check_mark: Build \[#1\].* at `[0-9a-f]{10}`\) \*\*succeeded\*\*/,
    );
    // Patches replace all props: the finished post carries its buttons again, with integration.
    expect(rest.actions(root.id).map((a) => a.name)).toEqual(["Rebuild", "Full log"]);
    expect(rest.actions(root.id)[0]?.integration?.url).toBe(`${t.url}/mattermost/action`);
    const [reply] = rest.replies(root.id);
    expect(reply?.message).toMatch(/^@alice build \[#1\].*\*\*succeeded\*\* after [\d.]+s\.$/);
    expect(reply?.rootId).toBe(root.id);
  });

  it("quotes the failing command's last lines, secrets masked, in the thread", async () => {
    const secret = "hunter2-s3cr3t-value";
    t = await startBotApp({
      secrets: { DEPLOY_KEY: secret },
      commands: [
        "echo fine",
        `echo "using key $DEPLOY_KEY"; echo 'error: tests failed (3 of 9)' >&2; exit 3`,
      ],
    });
    await t.slash("app");
    const rest = t.rest;
    const root = await wait(() => {
      const [post] = rest.roots();
      expect(post?.message).toMatch(/\*\*failed\*\*/);
      return present(post);
    });
    const reply = await wait(() => {
      const [r] = rest.replies(root?.id ?? "");
      expect(r).toBeDefined();
      return r;
    });
    expect(reply?.message).toMatch(/^@alice build \[#1\].*\*\*failed\*\* after [\d.]+s at echo/);
    expect(reply?.message).toContain("Output of step 2");
    expect(reply?.message).toContain("error: tests failed (3 of 9)");
    expect(reply?.message).toContain("using key ****");
    expect(JSON.stringify([...rest.posts.values()])).not.toContain(secret);
  });

  it("answers a repeated /build with the running build's link, and starts one with !", async () => {
    const gates = gateDir();
    t = await startBotApp({ commands: [gate(gates, 1)], concurrency: 2 }, sandboxSees(gates));
    await t.slash("app");
    const rest = t.rest;
    await wait(() => expect(rest.roots()[0]?.message).toMatch(/is running/));
    const duplicate = await t.slash("app main");
    expect(duplicate).toMatch(
      /Build \[#1\]\(.*\/builds\/1\) \(`app` `main`\) is already running at `[0-9a-f]{10}`/,
    );
    expect(await t.slash("app main !")).toMatch(/Queued build \[#2\]/);
    release(gates, 1);
    await wait(() =>
      expect(
        rest
          .roots()
          .map((p) => p.message)
          .filter((m) => /succeeded/.test(m)),
      ).toHaveLength(2),
    );
    expect(rest.roots()).toHaveLength(2);
  });

  it("Stop: refuses forged clicks, answers a forbidden clicker ephemerally, stops for a permitted one and the post follows", async () => {
    const gates = gateDir();
    t = await startBotApp(
      { commands: [gate(gates, 1)], protected_branches: { main: ["alice"] } },
      sandboxSees(gates),
    );
    await t.slash("app");
    const rest = t.rest;
    const root = await wait(() => {
      const [post] = rest.roots();
      expect(post?.message).toMatch(/is running/);
      return present(post);
    });
    if (!root) throw new Error("no root post");
    const [stop] = rest.actions(root.id);
    const context = stop?.integration?.context as { action: string; build: number; sig: string };

    // Forged: a signature for another build or a tampered action (403); a missing signature or
    // no context at all is not a context we write (400). Mattermost shows its own error for both.
    const forgeries: [unknown, number][] = [
      [{ ...context, build: 2 }, 403],
      [{ ...context, action: "rebuild" }, 403],
      [{ action: "stop", build: 1 }, 400],
      [undefined, 400],
    ];
    for (const [forged, status] of forgeries) {
      const result = await rest.click(root.id, "stop", alice, { context: forged });
      expect(result).toMatchObject({ status: 400, integrationStatus: status });
    }
    expect(t.app.service.getBuild(1).status).toBe("running");

    const forbidden = await rest.click(root.id, "stop", bob);
    expect(forbidden).toMatchObject({ status: 200 });
    expect(forbidden.ephemeralText).toMatch(
      /only @alice, an admin, or someone allowed to build app main may stop #1/,
    );
    expect(t.app.service.getBuild(1).status).toBe("running");

    const permitted = await rest.click(root.id, "stop", alice);
    expect(permitted.ephemeralText).toMatch(/Stopping build #1/);
    await wait(() => expect(root.message).toMatch(/:no_entry_sign: .*\*\*cancelled\*\*/));
    expect(rest.actions(root.id).map((a) => a.name)).toEqual(["Rebuild", "Full log"]);
    expect(rest.roots()).toHaveLength(1);
  });

  it("Rebuild and Full log: a permitted click queues a new build with its own post; Full log links each step", async () => {
    t = await startBotApp({ commands: ["echo a", "echo b"], protected_branches: { main: ["alice"] } });
    await t.slash("app");
    const rest = t.rest;
    const root = await wait(() => {
      const [post] = rest.roots();
      expect(post?.message).toMatch(/succeeded/);
      expect(rest.actions(post?.id ?? "").map((a) => a.name)).toEqual(["Rebuild", "Full log"]);
      return present(post);
    });
    if (!root) throw new Error("no root post");

    const log = await rest.click(root.id, "fulllog", bob);
    expect(log.ephemeralText).toMatch(
      /^Full log of build \[#1\]\(.*\/builds\/1\) \(succeeded\):\n✓ \[1\. echo a\]\(.*\/builds\/1#step-1\)\n✓ \[2\. echo b\]\(.*#step-2\)$/,
    );

    const refused = await rest.click(root.id, "rebuild", bob);
    expect(refused.ephemeralText).toMatch(/branch main of app is protected/);
    const rebuilt = await rest.click(root.id, "rebuild", alice);
    expect(rebuilt.ephemeralText).toMatch(/Queued build \[#2\].*rebuild of #1/);
    await wait(() => expect(rest.roots()).toHaveLength(2));
    await wait(() => expect(rest.roots()[1]?.message).toMatch(/#2.*succeeded/));
    expect(rest.roots()[1]?.message).toMatch(/Build \[#2\]/);
  });

  it("routes by branch to channels named in the config and, with notify: failures, posts only failures", async () => {
    t = await startBotApp({
      commands: ['test "$SLASHBUILD_BRANCH" = main'],
      notify_channel: "builds",
      notify_branches: { "release/*": "releases" },
      notify: "failures",
    });
    const rest = t.rest;
    const builds = rest.addChannel("builds");
    const releases = rest.addChannel("releases");
    await t.repo.createBranch("release/1.0");
    await t.slash("app main");
    await wait(() => expect(t?.app.service.getBuild(1).status).toBe("succeeded"));
    await t.slash("app release/1.0");
    await wait(() => expect(rest.replies(rest.roots(releases)[0]?.id ?? "none")).toHaveLength(1));
    const [root] = rest.roots(releases);
    expect(root?.message).toMatch(/Build \[#2\].*release\/1\.0.*\*\*failed\*\*/);
    // Created with its final state: no queued or running post for a repo that hears only failures.
    expect(root?.history).toHaveLength(1);
    expect(rest.roots(builds)).toEqual([]);
    expect(rest.roots(TOWN_SQUARE)).toEqual([]);
    // The reply is stored by Mattermost a moment before the outbox records it as delivered.
    await wait(() => expect(t?.app.outbox.pendingCount()).toBe(0));
    expect(rest.roots(builds)).toEqual([]);
  });
});
