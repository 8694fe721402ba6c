import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/**
 * A real git repository for Buildbot builds: `main` with two commits (so "build the first one"
 * differs from the tip) and a `dev` branch. Buildbot's worker clones it by path.
 */
export interface TestRepo {
  readonly dir: string;
  readonly first: string;
  readonly tip: string;
  readonly dev: string;
  close(): void;
}

export function createTestRepo(): TestRepo {
  const dir = mkdtempSync(path.join(tmpdir(), "slashbuild-bb-repo-"));
  const git = (...args: string[]) =>
    execFileSync("git", args, {
      cwd: dir,
      encoding: "utf8",
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: "t",
        GIT_AUTHOR_EMAIL: "t@example.org",
        GIT_COMMITTER_NAME: "t",
        GIT_COMMITTER_EMAIL: "t@example.org",
      },
    }).trim();
  git("init", "--quiet", "--initial-branch=main");
  writeFileSync(path.join(dir, "file.txt"), "one\n");
  git("add", "file.txt");
  git("commit", "--quiet", "-m", "one");
  const first = git("rev-parse", "HEAD");
  writeFileSync(path.join(dir, "file.txt"), "two\n");
  git("commit", "--quiet", "-am", "two");
  const tip = git("rev-parse", "HEAD");
  git("checkout", "--quiet", "-b", "dev");
  writeFileSync(path.join(dir, "dev.txt"), "dev\n");
  git("add", "dev.txt");
  git("commit", "--quiet", "-m", "dev");
  const dev = git("rev-parse", "HEAD");
  git("checkout", "--quiet", "main");
  return { dir, first, tip, dev, close: () => rmSync(dir, { recursive: true, force: true }) };
}
