import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

/**
 * Every process git starts while `work` runs, from git's own trace (GIT_TRACE2_EVENT): the git
 * commands slashbuild ran and each child they spawned (a shell for upload-pack, rev-list's
 * connectivity check, `maintenance run --auto`, ...). Counting processes, not time, is how tests
 * pin down what a build costs. Sets the variable in this process only for the duration of `work`.
 */
export interface GitProcess {
  /** Top-level (started by slashbuild) or a child git spawned. */
  readonly kind: "git" | "child";
  readonly argv: readonly string[];
}

export async function traceGitProcesses<T>(
  work: () => Promise<T>,
): Promise<{ result: T; processes: GitProcess[] }> {
  const dir = await mkdtemp(path.join(tmpdir(), "slashbuild-git-trace-"));
  const file = path.join(dir, "trace.json");
  const previous = process.env.GIT_TRACE2_EVENT;
  process.env.GIT_TRACE2_EVENT = file;
  try {
    const result = await work();
    const text = await readFile(file, "utf8").catch(() => "");
    const processes: GitProcess[] = [];
    for (const line of text.split("\n")) {
      if (!line.trim()) continue;
      const event = JSON.parse(line) as { event?: string; sid?: string; argv?: string[] };
      // A top-level git's sid has no parent part ("a/b" is a git started by another git).
      if (event.event === "start" && !event.sid?.includes("/"))
        processes.push({ kind: "git", argv: event.argv ?? [] });
      if (event.event === "child_start") processes.push({ kind: "child", argv: event.argv ?? [] });
    }
    return { result, processes };
  } finally {
    if (previous === undefined) delete process.env.GIT_TRACE2_EVENT;
    else process.env.GIT_TRACE2_EVENT = previous;
    await rm(dir, { recursive: true, force: true });
  }
}

/** The git sub-command of a top-level git's argv, past the `-c key=value` options slashbuild puts first. */
export function gitSubcommand(argv: readonly string[]): string | undefined {
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "-c" || arg === "-C") i++;
    else if (!arg?.startsWith("-")) return arg;
  }
  return undefined;
}
