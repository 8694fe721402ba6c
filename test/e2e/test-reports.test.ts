import { chmod, readFile, realpath } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeMattermost } from "../fakes/fake-mattermost.js";
import { sendSlashCommand } from "../fakes/send-slash-command.js";
import { GitRepoFixture, makeTempDir, removeDir } from "../helpers/git-repo.js";
import { ROOT, ServiceProcess, waitFor } from "../helpers/service-process.js";

/**
 * Issue 21's "done means": a failing build of a repo with a real Vitest JUnit report shows the
 * failed test names in the chat post and on the page. The `slashbuild` binary runs the build in
 * its sandbox; the build runs this repository's own Vitest (its node_modules granted read-only)
 * over a test file of the repo, with Vitest's JUnit reporter. Then the same commit is built again
 * with the flaky test passing: it is marked flaky in the post and on the page.
 */

const TOKEN = "e2e-slash-token-0123456789";

let mattermost: FakeMattermost;
let repo: GitRepoFixture;
let dir: string;
let service: ServiceProcess | null = null;

beforeEach(async () => {
  mattermost = await FakeMattermost.start();
  repo = await GitRepoFixture.create();
  dir = await makeTempDir("slashbuild-e2e-reports-");
});

afterEach(async () => {
  await service?.stop("SIGKILL");
  service = null;
  await mattermost.close();
  await repo.remove();
  await removeDir(dir);
});

/** Vitest's own source of the fixture report, plus a test that fails on the first run of the commit only. */
async function testFile(): Promise<string> {
  const source = await readFile(path.join(ROOT, "test", "fixtures", "junit", "vitest-source.js"), "utf8");
  return `${source}
import { existsSync, writeFileSync } from "node:fs";
it("warms the cache", () => {
  // Fails on the first build of the commit, passes on the rebuild (the marker is in a shared folder).
  const marker = process.env.FLAKY_MARKER;
  const first = !existsSync(marker);
  writeFileSync(marker, "seen");
  expect(first).toBe(false);
});
`;
}

function postsAbout(id: number): string[] {
  return mattermost.posts
    .map((post) => [post.message, ...post.attachments.map((a) => JSON.stringify(a))].join("\n"))
    .filter((text) => text.includes(`[#${id}]`));
}

async function build(id: number, text: string): Promise<string> {
  const outcome = await sendSlashCommand({
    url: `${service?.url}/mattermost/command`,
    token: TOKEN,
    text,
    user: { id: "uid-alice", name: "alice" },
    channel: { id: "chan-ci", name: "ci" },
  });
  if (!outcome.ok) throw new Error(`slash command failed: ${outcome.error}`);
  return waitFor(
    `the finish post of #${id}`,
    () => postsAbout(id).find((post) => /failed|succeeded/.test(post) && !/started/.test(post)),
    120_000,
  );
}

describe("test reports from a real Vitest run", () => {
  it("names the failed tests in the post and on the page, and marks a flaky one on the rebuild", async () => {
    const modules = await realpath(path.join(ROOT, "node_modules"));
    const shared = await makeTempDir("slashbuild-e2e-reports-shared-");
    try {
      // Builds run as another user (root: runner.build_uid; else a subordinate gid): the marker folder is for all.
      await chmod(shared, 0o777);
      const sha = await repo.commit({
        message: "auth tests",
        files: {
          "package.json": JSON.stringify({ name: "auth", type: "module", private: true }),
          "auth.test.js": await testFile(),
        },
      });
      service = await ServiceProcess.write(dir, {
        data_dir: "./data",
        log_level: "warn",
        web: { read: "public" },
        mattermost: { token: TOKEN, webhook_url: mattermost.addIncomingWebhook("ci") },
        delivery: { initial_backoff: "100ms", max_backoff: "1s" },
        runner: { read_only_paths: [modules], writable_paths: [shared] },
        repos: {
          app: {
            url: repo.dir,
            branch: "main",
            env: { FLAKY_MARKER: path.join(shared, "flaky-marker") },
            commands: [
              `ln -s ${modules} node_modules`,
              "node node_modules/vitest/vitest.mjs run --reporter=default --reporter=junit --outputFile.junit=reports/junit.xml",
            ],
            test_reports: ["reports/*.xml"],
          },
        },
      });
      await service.start();

      const first = await build(1, "app");
      expect(first).toContain("failed");
      expect(first).toContain("**3 tests failed**: `auth > logs in`, `auth > logs out`, and 1 more.");
      expect(first).toContain("expected 2 to be 3");
      const page = await (await fetch(`${service.url}/builds/1`)).text();
      expect(page).toMatch(/<b>1<\/b> passed.*<b>3<\/b> failed.*<b>1<\/b> skipped/s);
      for (const name of ["auth &gt; logs in", "auth &gt; logs out", "warms the cache"]) {
        expect(page).toContain(`<code class="test-name">${name}</code>`);
      }
      expect(page).toContain("session store unreachable");
      // Vitest's default reporter names the failed tests in the log: the page links there.
      expect(page).toMatch(/<a href="#L2-\d+">step 2, line \d+<\/a>/);

      const rebuild = await build(2, `app main ${sha} --again`);
      expect(rebuild).toContain("**2 tests failed**");
      expect(rebuild).toContain(
        ":warning: 1 flaky test, failed before on this commit and passed now: `warms the cache` (failed in #1).",
      );
      const again = await (await fetch(`${service.url}/builds/2`)).text();
      expect(again).toContain(
        `<span class="badge flaky">flaky</span> <code class="test-name">warms the cache</code>`,
      );
    } finally {
      await removeDir(shared);
    }
  }, 240_000);
});
