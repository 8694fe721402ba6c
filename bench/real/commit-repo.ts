import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/**
 * A real git repository whose `main` holds `count` commits, oldest first in `shas`, written in one
 * `git fast-import` (seconds for tens of thousands, where one `git commit` each would take minutes):
 * distinct commits a seeded history can name as built green, so each deploy request in a benchmark
 * asks for a revision of its own, and the commits a deploy adds are read from a real mirror.
 */
export interface CommitRepo {
  readonly dir: string;
  readonly shas: readonly string[];
  close(): void;
}

export function createCommitRepo(count: number): CommitRepo {
  const dir = mkdtempSync(path.join(tmpdir(), "slashbuild-bench-commits-"));
  const git = (args: string[], input?: string) =>
    execFileSync("git", args, { cwd: dir, encoding: "utf8", input, maxBuffer: 256 * 1024 * 1024 });
  git(["init", "--quiet", "--initial-branch=main"]);
  const stream: string[] = [];
  for (let i = 0; i < count; i++) {
    const content = `${i}\n`;
    const message = `commit ${i}\n`;
    stream.push(
      "commit refs/heads/main",
      `mark :${i + 1}`,
      `committer t <t@example.org> ${1_700_000_000 + i} +0000`,
      `data ${Buffer.byteLength(message)}`,
      message,
      ...(i > 0 ? [`from :${i}`] : []),
      "M 644 inline file.txt",
      `data ${Buffer.byteLength(content)}`,
      content,
    );
  }
  git(["fast-import", "--quiet"], `${stream.join("\n")}\n`);
  const shas = git(["rev-list", "--reverse", "main"]).trim().split("\n");
  if (shas.length !== count) throw new Error(`fast-import made ${shas.length} commits, not ${count}`);
  return { dir, shas, close: () => rmSync(dir, { recursive: true, force: true }) };
}
