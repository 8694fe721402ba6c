import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { RepoConfig } from "../../../src/config/config.js";
import { SlashbuildError } from "../../../src/core/errors.js";
import { GitMirrors } from "../../../src/git/git-mirrors.js";
import { READABLE_MARKER } from "../../../src/git/readable-objects.js";
import { runGit } from "../../../src/git/run-git.js";
import { GitRepoFixture, makeTempDir, removeDir } from "../../helpers/git-repo.js";
import { gitSubcommand, traceGitProcesses } from "../../helpers/git-trace.js";

// Pass-through spy, so tests can count how many fetches really ran.
vi.mock("../../../src/git/run-git.js", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../../../src/git/run-git.js")>();
  return { ...actual, runGit: vi.fn(actual.runGit) };
});

function repoConfig(url: string, name = "app"): RepoConfig {
  return {
    name,
    url,
    defaultBranch: "main",
    commands: ["true"],
    env: {},
    secrets: {},
    backend: "local",
    channels: null,
    users: null,
    protectedBranches: {},
    timeoutMs: 60_000,
    concurrency: 1,
    notifyChannel: null,
  };
}

/** A working copy checked out by slashbuild itself, borrowing the objects where they are (no sandbox). */
function onHost(mirrors: GitMirrors, repo: RepoConfig) {
  return { checkOut: true, objectsAt: mirrors.objectsDir(repo) };
}

function fetchCount(): number {
  return vi.mocked(runGit).mock.calls.filter(([args]) => args.includes("fetch")).length;
}

/** The git sub-commands slashbuild ran since the spy was last cleared. */
function urlWrites(): number {
  return vi.mocked(runGit).mock.calls.filter(([args]) => args.includes("remote.origin.url")).length;
}

function gitCommands(): string[] {
  return vi.mocked(runGit).mock.calls.map(([args]) => gitSubcommand(["git", ...args]) ?? "?");
}

async function refusal(promise: Promise<unknown>): Promise<SlashbuildError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SlashbuildError) return error;
    throw error;
  }
  throw new Error("expected a SlashbuildError");
}

describe("GitMirrors", () => {
  let remote: GitRepoFixture;
  let dataDir: string;
  let mirrors: GitMirrors;
  let repo: RepoConfig;

  beforeEach(async () => {
    remote = await GitRepoFixture.create();
    dataDir = await makeTempDir();
    mirrors = new GitMirrors({ dataDir, pullRequestHeads: () => null });
    repo = repoConfig(remote.dir);
    vi.mocked(runGit).mockClear();
  });

  afterEach(async () => {
    await remote.remove();
    await removeDir(dataDir);
  });

  describe("branchExists", () => {
    it("creates a bare mirror under <dataDir>/git and knows its branches", async () => {
      expect(await mirrors.branchExists(repo, "main")).toBe(true);
      expect(mirrors.mirrorPath(repo)).toBe(path.join(dataDir, "git", "app.git"));
      expect(existsSync(path.join(dataDir, "git", "app.git", "HEAD"))).toBe(true);
      expect(await mirrors.branchExists(repo, "nope")).toBe(false);
    });

    it("answers known branches from the cache, without fetching", async () => {
      await mirrors.branchExists(repo, "main");
      const before = fetchCount();
      // With the remote gone, any fetch would fail: a true answer proves none was attempted.
      await remote.remove();
      for (let i = 0; i < 1000; i++) expect(await mirrors.branchExists(repo, "main")).toBe(true);
      expect(fetchCount()).toBe(before);
    });

    it("fetches for an unknown branch, so a branch pushed a moment ago is found", async () => {
      await mirrors.branchExists(repo, "main");
      await remote.createBranch("feature/new");
      expect(await mirrors.branchExists(repo, "feature/new")).toBe(true);
    });

    it("lets concurrent callers share fetches: never more than one in flight plus one queued", async () => {
      await mirrors.branchExists(repo, "main");
      const before = fetchCount();
      const answers = await Promise.all(
        Array.from({ length: 25 }, () => mirrors.branchExists(repo, "unknown")),
      );
      expect(answers.every((answer) => answer === false)).toBe(true);
      expect(fetchCount() - before).toBeLessThanOrEqual(2);
    });

    it("forgets branches deleted upstream after the next fetch", async () => {
      await remote.createBranch("old");
      expect(await mirrors.branchExists(repo, "old")).toBe(true);
      await remote.deleteBranch("old");
      await mirrors.fetch(repo);
      expect(await mirrors.branchExists(repo, "old")).toBe(false);
    });

    it("uses the mirror on disk after a restart", async () => {
      await mirrors.branchExists(repo, "main");
      await remote.remove();
      const restarted = new GitMirrors({ dataDir, pullRequestHeads: () => null });
      expect(await restarted.branchExists(repo, "main")).toBe(true);
    });

    it("accepts a git bundle file as the url", async () => {
      const bundle = path.join(dataDir, "app.bundle");
      await remote.createBranch("from-bundle");
      await remote.bundle(bundle);
      const bundled = repoConfig(bundle, "bundled");
      expect(await mirrors.branchExists(bundled, "from-bundle")).toBe(true);
      expect(await mirrors.resolve(bundled, "main", null)).toBe(await remote.sha("main"));
    });
  });

  describe("unreachable repositories", () => {
    it("reports REPO_UNREACHABLE with what to check, and leaves no half-made mirror", async () => {
      const missing = repoConfig(path.join(dataDir, "does-not-exist"), "missing");
      const error = await refusal(mirrors.branchExists(missing, "main"));
      expect(error.code).toBe("REPO_UNREACHABLE");
      expect(error.message).toContain("could not fetch missing");
      expect(error.message).toContain("Check the repo's url in the config");
      expect(await readdir(path.join(dataDir, "git"))).toEqual([]);
    });

    it("logs which repo, which url (without credentials) and which config key to check", async () => {
      const warnings: { fields: Record<string, unknown>; message: string }[] = [];
      const logger = {
        warn: (fields: Record<string, unknown>, message: string) => warnings.push({ fields, message }),
      } as unknown as Logger;
      const logged = new GitMirrors({ dataDir, logger, pullRequestHeads: () => null });
      await refusal(logged.fetch(repoConfig("https://builder:s3cr3t-pass@127.0.0.1:1/app.git", "private")));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]?.fields).toMatchObject({
        repo: "private",
        url: "https://127.0.0.1:1/app.git",
        configKey: "repos.private.url",
      });
      expect(warnings[0]?.message).toBe(
        "could not fetch private from https://127.0.0.1:1/app.git: check repos.private.url and that this machine can reach it",
      );
    });

    it("never repeats credentials from the url", async () => {
      const secretUrl = repoConfig("https://builder:s3cr3t-pass@127.0.0.1:1/app.git", "private");
      const error = await refusal(mirrors.fetch(secretUrl));
      expect(error.code).toBe("REPO_UNREACHABLE");
      expect(error.message).not.toContain("s3cr3t-pass");
    });
  });

  describe("resolve", () => {
    it("gives the branch tip after fetching", async () => {
      await mirrors.branchExists(repo, "main");
      const tip = await remote.commit({ message: "newer" });
      expect(await mirrors.resolve(repo, "main", null)).toBe(tip);
    });

    it("gives the full sha of an abbreviated, upper-case revision on the branch", async () => {
      const older = await remote.commit({ message: "older" });
      await remote.commit({ message: "newer" });
      expect(await mirrors.resolve(repo, "main", older.slice(0, 8).toUpperCase())).toBe(older);
      expect(await mirrors.resolve(repo, "main", older)).toBe(older);
    });

    it("refuses a revision that exists but is not on the branch", async () => {
      const elsewhere = await remote.commit({ branch: "dev", message: "unreviewed" });
      const error = await refusal(mirrors.resolve(repo, "main", elsewhere.slice(0, 7)));
      expect(error.code).toBe("REVISION_NOT_ON_BRANCH");
      expect(error.message).toBe(
        `Revision ${elsewhere.slice(0, 7)} is not on branch main of app. Name the branch that has it (\`/build app BRANCH ${elsewhere.slice(0, 7)}\`), or push it to main first.`,
      );
      expect(await mirrors.resolve(repo, "dev", elsewhere.slice(0, 7))).toBe(elsewhere);
    });

    it("reads the revision as a commit id even when a branch has that name", async () => {
      const tip = await remote.sha("main");
      const evil = await remote.commit({ branch: "evil", message: "unreviewed" });
      await remote.createBranch(tip.slice(0, 8), "evil");
      expect(await remote.sha(tip.slice(0, 8))).toBe(evil);
      expect(await mirrors.resolve(repo, "main", tip.slice(0, 8))).toBe(tip);
    });

    it("refuses a revision that does not exist", async () => {
      const error = await refusal(mirrors.resolve(repo, "main", "deadbeef"));
      expect(error.code).toBe("REVISION_UNKNOWN");
      expect(error.message).toContain("deadbeef is not a commit in app");
    });

    it("assertOnBranch (admission): accepts a commit on the branch, refuses one elsewhere or unknown", async () => {
      const older = await remote.commit({ message: "older" });
      const elsewhere = await remote.commit({ branch: "dev", message: "unreviewed" });
      await expect(mirrors.assertOnBranch(repo, "main", older.slice(0, 8))).resolves.toBeUndefined();
      expect((await refusal(mirrors.assertOnBranch(repo, "main", elsewhere))).code).toBe(
        "REVISION_NOT_ON_BRANCH",
      );
      expect((await refusal(mirrors.assertOnBranch(repo, "main", "deadbeef"))).code).toBe("REVISION_UNKNOWN");
      await expect(mirrors.assertOnBranch(repo, "dev", elsewhere)).resolves.toBeUndefined();
    });

    it("assertOnBranch fetches when the mirror does not show the commit on the branch yet", async () => {
      await mirrors.branchExists(repo, "main");
      const pushedLater = await remote.commit({ message: "pushed after the mirror was made" });
      await expect(mirrors.assertOnBranch(repo, "main", pushedLater)).resolves.toBeUndefined();
    });

    it("asks the remote for the tip and fetches nothing when the mirror already has it", async () => {
      repo = repoConfig(`file://${remote.dir}`);
      await mirrors.branchExists(repo, "main");
      const tip = await remote.sha("main");
      vi.mocked(runGit).mockClear();
      const { result, processes } = await traceGitProcesses(() => mirrors.resolve(repo, "main", null));
      expect(result).toBe(tip);
      expect(gitCommands()).toEqual(["ls-remote"]);
      // ls-remote and its upload-pack: no fetch, rev-list, maintenance or config.
      expect(processes.map((p) => (p.kind === "git" ? gitSubcommand(p.argv) : "child"))).toEqual([
        "ls-remote",
        "child",
      ]);
    });

    it("reads the tip of a remote on this machine (a path) from its refs: no process at all", async () => {
      await mirrors.branchExists(repo, "main");
      const tip = await remote.sha("main");
      vi.mocked(runGit).mockClear();
      const { result, processes } = await traceGitProcesses(() => mirrors.resolve(repo, "main", null));
      expect(result).toBe(tip);
      expect(gitCommands()).toEqual([]);
      expect(processes).toEqual([]);
      // Still the tip at build time: a push since the mirror was made is seen and fetched.
      const pushed = await remote.commit({ message: "pushed just before /build" });
      expect(await mirrors.resolve(repo, "main", null)).toBe(pushed);
      expect(gitCommands()).toContain("fetch");
    });

    it("knownTip: the mirror's tip from memory, no git at all; null before the mirror is read", async () => {
      expect(mirrors.knownTip(repo, "main")).toBeNull();
      await mirrors.fetch(repo);
      vi.mocked(runGit).mockClear();
      expect(mirrors.knownTip(repo, "main")).toBe(await remote.sha("main"));
      expect(mirrors.knownTip(repo, "nope")).toBeNull();
      expect(gitCommands()).toEqual([]);
    });

    it("fetches when the remote's tip moved since the mirror was fetched: never a stale mirror", async () => {
      await mirrors.branchExists(repo, "main");
      const newer = await remote.commit({ message: "pushed just before /build" });
      const before = fetchCount();
      const { result, processes } = await traceGitProcesses(() => mirrors.resolve(repo, "main", null));
      expect(result).toBe(newer);
      expect(fetchCount()).toBe(before + 1);
      // The fetch starts no `git maintenance run --auto` behind it (gc is off for mirrors anyway).
      expect(processes.filter((p) => p.argv.includes("maintenance"))).toEqual([]);
      // And the mirror's refs were read again: the next build of the same tip fetches nothing
      // (and runs no git at all: the remote is a path here, its tip read from its ref files).
      vi.mocked(runGit).mockClear();
      expect(await mirrors.resolve(repo, "main", null)).toBe(newer);
      expect(gitCommands()).toEqual([]);
    });

    it("builds an exact revision of the current tip without fetching, and still checks it is on the branch", async () => {
      const older = await remote.commit({ message: "older" });
      const elsewhere = await remote.commit({ branch: "dev", message: "unreviewed" });
      await mirrors.fetch(repo);
      const before = fetchCount();
      expect(await mirrors.resolve(repo, "main", older.slice(0, 8))).toBe(older);
      expect(fetchCount()).toBe(before);
      expect((await refusal(mirrors.resolve(repo, "main", elsewhere))).code).toBe("REVISION_NOT_ON_BRANCH");
    });

    it("refuses a branch deleted upstream even while the mirror still has it", async () => {
      await remote.createBranch("gone");
      expect(await mirrors.branchExists(repo, "gone")).toBe(true);
      await remote.deleteBranch("gone");
      expect((await refusal(mirrors.resolve(repo, "gone", null))).code).toBe("BRANCH_UNKNOWN");
    });

    it("writes the url into the mirror's config once, and again only when the config changes it", async () => {
      await mirrors.fetch(repo);
      await remote.commit({ message: "newer" });
      await mirrors.fetch(repo);
      expect(urlWrites()).toBe(1); // into the new mirror
      const moved = await GitRepoFixture.create();
      try {
        const tip = await moved.commit({ message: "elsewhere" });
        expect(await mirrors.resolve({ ...repo, url: moved.dir }, "main", null)).toBe(tip);
        expect(urlWrites()).toBe(2);
      } finally {
        await moved.remove();
      }
    });

    it("refuses an unknown branch", async () => {
      const error = await refusal(mirrors.resolve(repo, "nope", null));
      expect(error.code).toBe("BRANCH_UNKNOWN");
      expect(error.message).toContain("`nope` does not exist in app");
    });

    it.each(["--upload-pack=touch /tmp/x", "-x", "main;touch x", "$(touch x)"])(
      "refuses the hostile branch %j before running any git",
      async (branch) => {
        const error = await refusal(mirrors.resolve(repo, branch, null));
        expect(error.code).toBe("BRANCH_MALFORMED");
        expect(vi.mocked(runGit)).not.toHaveBeenCalled();
      },
    );

    it("refuses a malformed revision before running any git", async () => {
      const error = await refusal(mirrors.resolve(repo, "main", "--output=/tmp/x"));
      expect(error.code).toBe("REVISION_MALFORMED");
      expect(vi.mocked(runGit)).not.toHaveBeenCalled();
    });
  });

  describe("createWorkingCopy", () => {
    it("checks out exactly the given commit, detached", async () => {
      const first = await remote.commit({ files: { "version.txt": "1\n" } });
      await remote.commit({ files: { "version.txt": "2\n" } });
      const sha = await mirrors.resolve(repo, "main", first);
      const dir = path.join(dataDir, "workspaces", "1");
      await mirrors.createWorkingCopy(repo, sha, dir, onHost(mirrors, repo));
      const head = await runGit(["rev-parse", "HEAD"], { cwd: dir });
      expect(head.stdout.trim()).toBe(first);
      expect(await readFile(path.join(dir, "version.txt"), "utf8")).toBe("1\n");
    });

    it("makes it with one git process, shaped like a clone: origin/* branches, tags, a clean status", async () => {
      await remote.git("tag", "-a", "-m", "release", "v1.0");
      await remote.createBranch("dev");
      const tip = await mirrors.resolve(repo, "main", null);
      const dir = path.join(dataDir, "workspaces", "2");
      vi.mocked(runGit).mockClear();
      const { processes } = await traceGitProcesses(() =>
        mirrors.createWorkingCopy(repo, tip, dir, onHost(mirrors, repo)),
      );
      expect(processes).toHaveLength(1);
      expect(gitCommands()).toEqual(["read-tree"]);
      const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, encoding: "utf8" }).trim();
      expect(git("rev-parse", "HEAD")).toBe(tip);
      expect(git("rev-parse", "--abbrev-ref", "HEAD")).toBe("HEAD"); // detached
      expect(git("status", "--porcelain")).toBe("");
      expect(git("describe", "--tags")).toBe("v1.0");
      expect(
        git("branch", "-r")
          .split("\n")
          .map((b) => b.trim()),
      ).toEqual(["origin/dev", "origin/main"]);
      expect(git("config", "remote.origin.url")).toBe(mirrors.mirrorPath(repo));
      expect(git("fsck", "--no-dangling")).toBe("");
    });

    it("checkOut: false makes the repository without its files and runs no git; checkoutCommand writes them", async () => {
      await remote.commit({ files: { "src/app.txt": "from the tree\n" } });
      const tip = await mirrors.resolve(repo, "main", null);
      const dir = path.join(dataDir, "workspaces", "4");
      vi.mocked(runGit).mockClear();
      await mirrors.createWorkingCopy(repo, tip, dir, { ...onHost(mirrors, repo), checkOut: false });
      expect(gitCommands()).toEqual([]);
      expect(await readdir(dir)).toEqual([".git"]);
      const [program = "", ...args] = mirrors.checkoutCommand;
      execFileSync(program, args, { cwd: dir });
      const git = (...a: string[]) => execFileSync("git", a, { cwd: dir, encoding: "utf8" }).trim();
      expect(await readFile(path.join(dir, "src", "app.txt"), "utf8")).toBe("from the tree\n");
      expect(git("rev-parse", "HEAD")).toBe(tip);
      expect(git("status", "--porcelain")).toBe("");
      expect(mirrors.checkoutCommand).toContain("core.hooksPath=/dev/null");
    });

    it("borrows the mirror's objects (alternates): the same few files whatever the mirror holds", async () => {
      const files = async (dir: string) =>
        (await readdir(path.join(dir, ".git"), { recursive: true, withFileTypes: true }))
          .filter((entry) => entry.isFile())
          .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
          .sort();
      const objectBytes = async () => {
        let total = 0;
        for (const entry of await readdir(mirrors.objectsDir(repo), {
          recursive: true,
          withFileTypes: true,
        })) {
          if (entry.isFile()) total += (await stat(path.join(entry.parentPath, entry.name))).size;
        }
        return total;
      };
      const small = path.join(dataDir, "workspaces", "3");
      await mirrors.createWorkingCopy(repo, await mirrors.resolve(repo, "main", null), small, {
        ...onHost(mirrors, repo),
        checkOut: false,
      });
      const smallMirror = await objectBytes();
      for (let n = 0; n < 40; n++) await remote.commit({ files: { [`file-${n}.txt`]: `${n}\n` } });
      const tip = await mirrors.resolve(repo, "main", null);
      expect(await objectBytes()).toBeGreaterThan(2 * smallMirror);
      const large = path.join(dataDir, "workspaces", "5");
      await mirrors.createWorkingCopy(repo, tip, large, { ...onHost(mirrors, repo), checkOut: false });
      // A copy held every object of the mirror, which has more than doubled; a borrower holds none.
      expect(await files(large)).toEqual(await files(small));
      expect(await files(large)).toEqual([
        ".git/HEAD",
        ".git/config",
        ".git/objects/info/alternates",
        ".git/packed-refs",
      ]);
      expect(await readFile(path.join(large, ".git", "objects", "info", "alternates"), "utf8")).toBe(
        `${mirrors.objectsDir(repo)}\n`,
      );
      const git = (...a: string[]) => execFileSync("git", a, { cwd: large, encoding: "utf8" }).trim();
      expect(git("cat-file", "-t", tip)).toBe("commit");
    });

    it("names where the build will see the objects (objectsAt), for a sandbox that binds them elsewhere", async () => {
      const tip = await mirrors.resolve(repo, "main", null);
      const dir = path.join(dataDir, "workspaces", "6");
      await mirrors.createWorkingCopy(repo, tip, dir, { checkOut: false, objectsAt: "/slashbuild/objects" });
      expect(await readFile(path.join(dir, ".git", "objects", "info", "alternates"), "utf8")).toBe(
        "/slashbuild/objects\n",
      );
      const refused = mirrors.createWorkingCopy(repo, tip, path.join(dataDir, "workspaces", "7"), {
        checkOut: false,
        objectsAt: "relative/objects",
      });
      await expect(refused).rejects.toThrow(/not a usable objects path/);
    });

    it("keeps the mirror's objects readable by a build's user, whatever slashbuild's umask", async () => {
      const everyEntry = async () => [
        mirrors.objectsDir(repo),
        ...(await readdir(mirrors.objectsDir(repo), { recursive: true })).map((name) =>
          path.join(mirrors.objectsDir(repo), name),
        ),
      ];
      const closedToOthers = async () => {
        const closed: string[] = [];
        for (const entry of await everyEntry()) {
          const info = await stat(entry);
          const wanted = info.isDirectory() ? 0o005 : 0o004;
          if ((info.mode & wanted) !== wanted) closed.push(entry);
        }
        return closed;
      };
      const previous = process.umask(0o077);
      try {
        // New mirror, new objects: written 0644 (core.sharedRepository) despite the umask.
        await mirrors.fetch(repo);
        await remote.commit({ files: { "later.txt": "later\n" } });
        await mirrors.fetch(repo);
        expect(await closedToOthers()).toEqual([]);
        // A mirror from before (objects closed by a strict umask) is opened up by its next working copy.
        const mirror = mirrors.mirrorPath(repo);
        execFileSync("chmod", ["-R", "go-rwx", mirrors.objectsDir(repo)]);
        await rm(path.join(mirror, READABLE_MARKER));
        expect((await closedToOthers()).length).toBeGreaterThan(3);
        const fresh = new GitMirrors({ dataDir, pullRequestHeads: () => null });
        await fresh.createWorkingCopy(
          repo,
          await fresh.resolve(repo, "main", null),
          path.join(dataDir, "ws"),
          onHost(fresh, repo),
        );
        expect(await closedToOthers()).toEqual([]);
      } finally {
        process.umask(previous);
      }
    });
  });
});

describe("GitMirrors and code planted in a mirror", () => {
  it("never runs a hook planted in a mirror (reference-transaction, post-checkout) in its own git", async () => {
    const remote = await GitRepoFixture.create();
    const dataDir = await makeTempDir();
    const witness = path.join(dataDir, "hook-ran");
    try {
      const mirrors = new GitMirrors({ dataDir, pullRequestHeads: () => null });
      const repo = repoConfig(remote.dir);
      await mirrors.fetch(repo);
      // What a build with access to data_dir did in issue 8: a hook that runs in slashbuild's fetch.
      const hooks = path.join(mirrors.mirrorPath(repo), "hooks");
      for (const hook of ["reference-transaction", "post-checkout", "pre-auto-gc"]) {
        await writeFile(path.join(hooks, hook), `#!/bin/sh\necho ${hook} >> ${witness}\n`, { mode: 0o755 });
      }
      await remote.commit({ message: "newer" });
      const tip = await mirrors.resolve(repo, "main", null);
      await mirrors.createWorkingCopy(
        repo,
        tip,
        path.join(dataDir, "workspaces", "1"),
        onHost(mirrors, repo),
      );
      expect(existsSync(witness)).toBe(false);
      // The planted hook is live: plain git, without slashbuild's options, runs it.
      execFileSync("git", ["update-ref", "refs/heads/probe", tip], { cwd: mirrors.mirrorPath(repo) });
      expect(await readFile(witness, "utf8")).toContain("reference-transaction");
    } finally {
      await remote.remove();
      await removeDir(dataDir);
    }
  });
});
