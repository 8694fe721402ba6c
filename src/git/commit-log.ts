import type { CommitRange, CommitSummary } from "../core/deploys/deploy.js";
import { runGit } from "./run-git.js";

/**
 * The commits a deploy adds to its environment, from a mirror: `git log from..to`, for the approval
 * request (titles and authors). Both ids come from slashbuild's own records (full hex, checked
 * below) and `--end-of-options` guards them anyway; nothing typed in chat reaches this.
 */

const TIMEOUT_MS = 10_000;
/** A request post lists at most this many; it says how many more there are. */
const MAX_LISTED_COMMITS = 10;
const HEX = /^[0-9a-f]{4,64}$/;
/** Fields are separated by the unit separator, which no title or name can contain in git's output. */
const FORMAT = "--format=%H%x1f%s%x1f%an";

export async function readCommitRange(
  dir: string,
  from: string | null,
  to: string,
): Promise<Omit<CommitRange, "compareUrl">> {
  if (from === null) return { commits: [], total: 0, note: "the first deploy to this environment" };
  if (!HEX.test(from) || !HEX.test(to))
    return { commits: [], total: 0, note: "the commits could not be read" };
  if (from === to) return { commits: [], total: 0, note: "the revision the environment already holds" };
  const range = `${from}..${to}`;
  const count = await runGit(["rev-list", "--count", "--end-of-options", range], {
    cwd: dir,
    timeoutMs: TIMEOUT_MS,
  });
  const total = Number(count.stdout.trim());
  if (total === 0) {
    const back = await runGit(["rev-list", "--count", "--end-of-options", `${to}..${from}`], {
      cwd: dir,
      timeoutMs: TIMEOUT_MS,
    });
    return { commits: [], total: 0, note: `no new commits: it goes back ${back.stdout.trim()} commit(s)` };
  }
  const log = await runGit(["log", FORMAT, `--max-count=${MAX_LISTED_COMMITS}`, "--end-of-options", range], {
    cwd: dir,
    timeoutMs: TIMEOUT_MS,
  });
  const commits = log.stdout
    .split("\n")
    .filter(Boolean)
    .map((line): CommitSummary => {
      const [sha = "", title = "", author = ""] = line.split("\x1f");
      return { sha, title, author };
    });
  return { commits, total, note: null };
}
