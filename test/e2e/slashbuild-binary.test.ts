import { existsSync } from "node:fs";
import { chmod, readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FakeMattermost } from "../fakes/fake-mattermost.js";
import { sendSlashCommand } from "../fakes/send-slash-command.js";
import { GitRepoFixture, makeTempDir, removeDir } from "../helpers/git-repo.js";
import {
  markedProcesses,
  markedSleeper,
  newMarker,
  sandboxInitsWaiting,
} from "../helpers/marked-processes.js";
import { processAlive } from "../helpers/process-alive.js";
import { ServiceProcess, waitFor } from "../helpers/service-process.js";

/**
 * The `slashbuild` binary as users run it: a config file, a real git repository, real processes,
 * a fake Mattermost on loopback receiving status posts. Nothing here is imported from src/.
 */

const TOKEN = "e2e-slash-token-0123456789";
const alice = { id: "uid-alice", name: "alice" };

let mattermost: FakeMattermost;
let repo: GitRepoFixture;
let dir: string;
let observed: string;
let service: ServiceProcess;

beforeAll(async () => {
  mattermost = await FakeMattermost.start();
  repo = await GitRepoFixture.create();
});

afterAll(async () => {
  await mattermost.close();
  await repo.remove();
});

beforeEach(async () => {
  dir = await makeTempDir("slashbuild-e2e-");
  observed = await makeTempDir("slashbuild-e2e-observed-");
  mattermost.posts.length = 0;
});

afterEach(async () => {
  await service?.stop("SIGKILL");
  await removeDir(dir);
  await removeDir(observed);
});

async function serve(
  commands: string[],
  extra: Record<string, unknown> = {},
  runner: Record<string, unknown> = {},
): Promise<ServiceProcess> {
  // Builds write what they observed to $OUT, in the one host folder the config lets them write
  // (not under `dir`: a sandbox shows a granted path's parents with the host's modes, and dir is 0700).
  await chmod(observed, 0o777);
  service = await ServiceProcess.write(dir, {
    data_dir: "./data",
    runner: { writable_paths: [path.dirname(outFile())], ...runner },
    log_level: "warn",
    // Build pages are read anonymously here; sign-in for reading is tested in test/integration/web.
    web: { read: "public" },
    mattermost: { token: TOKEN, webhook_url: mattermost.addIncomingWebhook("ci") },
    delivery: { initial_backoff: "100ms", max_backoff: "1s" },
    repos: {
      app: {
        url: repo.dir,
        branch: "main",
        commands,
        env: { OUT: outFile() },
        ...extra,
      },
    },
  });
  await service.start();
  return service;
}

function outFile(): string {
  return path.join(observed, "out");
}

function slash(text: string, options: { token?: string; method?: "GET" | "POST"; path?: string } = {}) {
  return sendSlashCommand({
    url: `${service.url}${options.path ?? "/mattermost/command"}`,
    token: options.token ?? TOKEN,
    text,
    user: alice,
    channel: { id: "chan-ci", name: "ci" },
    ...(options.method ? { method: options.method } : {}),
  });
}

async function ack(text: string): Promise<string> {
  const outcome = await slash(text);
  if (!outcome.ok) throw new Error(`slash command failed: ${outcome.error}`);
  return String(outcome.response.text);
}

/** Each post as one string: its message plus its attachments' titles, texts and fields. */
function postsAbout(id: number): string[] {
  return mattermost.posts
    .map((post) => [post.message, ...post.attachments.map((a) => JSON.stringify(a))].join("\n"))
    .filter((text) => text.includes(`[#${id}]`));
}

function finishedPost(id: number, word: RegExp) {
  return waitFor(`a finish post for #${id}`, () => postsAbout(id).find((text) => word.test(text)));
}

describe("slashbuild serve (the binary)", () => {
  it("builds the branch tip and posts start and result to Mattermost", async () => {
    const tip = await repo.commit({ message: "tip" });
    await serve([
      'echo "$SLASHBUILD_REPO $SLASHBUILD_BRANCH $SLASHBUILD_REVISION $SLASHBUILD_USER" > "$OUT"',
    ]);
    const answer = await ack("app");
    expect(answer).toContain(`Queued build [#1](${service.url}/builds/1)`);
    const finished = await finishedPost(1, /succeeded/);
    expect(finished).toContain(tip.slice(0, 10));
    expect(finished).toMatch(/@alice/);
    expect(finished).toContain(`${service.url}/builds/1`);
    const started = postsAbout(1)[0];
    expect(started).toMatch(/started/);
    expect(await readFile(outFile(), "utf8")).toBe(`app main ${tip} alice\n`);
    const page = await (await fetch(`${service.url}/builds/1`)).text();
    expect(page).toContain(tip);
  });

  it("builds exactly the requested revision, not the tip", async () => {
    const old = await repo.commit({ message: "old" });
    await repo.commit({ message: "newer" });
    await serve(['git rev-parse HEAD > "$OUT"']);
    await ack(`app main ${old.slice(0, 7)}`);
    await finishedPost(1, /succeeded/);
    expect((await readFile(outFile(), "utf8")).trim()).toBe(old);
  });

  it("names the failing command and runs nothing after it", async () => {
    await serve(["true", "echo failing >&2; exit 3", 'touch "$OUT"']);
    await ack("app");
    const finished = await finishedPost(1, /failed/);
    expect(finished).toContain("exit 3");
    expect(existsSync(outFile())).toBe(false);
  });

  it("refuses hostile input without running anything or posting", async () => {
    const marker = path.join(dir, "pwned");
    await serve(['touch "$OUT"']);
    for (const text of [
      `app --upload-pack=touch${"\t"}${marker}`,
      `app main;touch${" "}${marker}`,
      `app $(touch${" "}${marker})`,
      "app `touch /tmp/x`",
      "app main --output=/tmp/x",
      `app ${"a".repeat(5000)}`,
    ]) {
      const answer = await ack(text);
      expect(answer).toMatch(/^Sorry, /);
    }
    const wrong = await slash("app", { token: "not-the-token-0123456789" });
    expect(wrong).toMatchObject({ ok: false, status: 401 });
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(outFile())).toBe(false);
    expect(mattermost.posts).toEqual([]);
    expect(service.stderr).not.toContain(TOKEN);
  });

  it("answers GET and the old integration's URL too", async () => {
    await serve(["true"]);
    const outcome = await slash("help", { method: "GET", path: "/change_hook/mattermost" });
    expect(outcome.ok && outcome.response.text).toMatch(/\/build <repo> \[branch\] \[revision\]/);
  });

  it("stops a running build: everything it started ends and the channel hears 'cancelled'", async () => {
    // Found by a marker in its command line: inside the sandbox, pids are the sandbox's own.
    const marker = newMarker();
    await serve([`${markedSleeper(marker)} & wait`]);
    await ack("app");
    await waitFor("the build's child", () => markedProcesses(marker).length > 0);
    expect(await ack("stop #1")).toContain("Stopping build #1");
    await finishedPost(1, /cancelled/);
    await waitFor("the grandchild to be gone", () => markedProcesses(marker).length === 0);
  });

  it("survives being killed mid-build: the running build is reported interrupted, the queued one still runs, numbers go on", async () => {
    // Unsandboxed, a build's processes outlive a SIGKILLed slashbuild; the next start must end them.
    const marker = newMarker();
    const once = path.join(dir, "once");
    await serve(
      [`if [ ! -e ${once} ]; then touch ${once}; ${markedSleeper(marker)}; fi`],
      {},
      { sandbox: "none" },
    );
    await ack("app");
    const orphans = await waitFor("the first build to run", () => {
      const found = markedProcesses(marker);
      return found.length > 0 ? found : undefined;
    });
    // A second build of the same tip would be answered with #1's link: ask for one anyway.
    expect(await ack("app main --again")).toContain("Queued build [#2]");
    expect(await service.stop("SIGKILL")).toBe(null);
    // The build's process group outlives slashbuild...
    expect(orphans.some((pid) => processAlive(pid))).toBe(true);

    await service.start();
    await finishedPost(1, /interrupted/);
    // ...until the restarted slashbuild ends it before reporting the build interrupted. (By pid:
    // build #2 runs the same command line, marker included, once recovery is over.)
    expect(orphans.filter((pid) => processAlive(pid))).toEqual([]);
    await finishedPost(2, /succeeded/);
    expect(await ack("app")).toContain("[#3]");
    await finishedPost(3, /succeeded/);
    // Within a build, posts arrive in order: one start post, then the result (a missing start
    // post fails here rather than comparing -1 with an index).
    const forTwo = postsAbout(2);
    expect(
      forTwo.map((t) => (/started/.test(t) ? "started" : /succeeded/.test(t) ? "succeeded" : "other")),
    ).toEqual(["started", "succeeded"]);
  });

  it("sandboxed, a build's processes die with a SIGKILLed slashbuild, and the next start reports it interrupted", async () => {
    const marker = newMarker();
    await serve([`setsid ${markedSleeper(marker)} & ${markedSleeper(marker)}`]);
    await ack("app");
    await waitFor("the build to run", () => markedProcesses(marker).length >= 2);
    // bwrap's init arms its parent-death signal a moment after the build's command has started
    // (under load, seen to come after both sleepers); a slashbuild killed before that leaves the
    // sandbox to the next start's recovery (test/unit/backends/local/step-records.test.ts).
    await waitFor("the sandbox's init to be up", () => sandboxInitsWaiting(marker));
    expect(await service.stop("SIGKILL")).toBe(null);
    // No restart needed: the sandbox dies with its parent (bwrap --die-with-parent, PID namespace).
    await waitFor("the build's processes to end", () => markedProcesses(marker).length === 0);
    await service.start();
    await finishedPost(1, /interrupted/);
  });

  it("keeps status posts while Mattermost is down and delivers them once it is back", async () => {
    await serve(["true"]);
    mattermost.outage = "503";
    await ack("app");
    // The outage lasts until the finish post itself has been refused once, so the build has
    // finished meanwhile. Posts go one at a time: from then on no attempt at the start post can
    // still be on the wire (one sent before the build finished but answered after the outage
    // would be delivered; a post cannot be unsent). Without the stale-start rule, the start post
    // would hold its build's queue and the finish post would never be tried during the outage.
    await waitFor("a refused finish post", () =>
      mattermost.requests.some(
        (r) => r.status === 503 && r.body?.includes("[#1]") === true && /succeeded/.test(r.body),
      ),
    );
    expect(postsAbout(1)).toEqual([]);
    mattermost.outage = "none";
    await finishedPost(1, /succeeded/);
    // The start post still waiting when the build finished is stale news: the finish post alone
    // says it all (issue 13), and it arrives exactly once.
    expect(postsAbout(1)).toHaveLength(1);
    expect(JSON.stringify(postsAbout(1)[0])).toMatch(/succeeded/);
  });

  it("shuts down gracefully on SIGTERM", async () => {
    await serve(["sleep 300"]);
    await ack("app");
    await waitFor("the build to start", () => postsAbout(1).length > 0);
    expect(await service.stop("SIGTERM")).toBe(0);
    expect(postsAbout(1).some((t) => /interrupted/.test(t))).toBe(true);
  });
});
