import { SlashbuildError } from "../errors.js";

/**
 * Where a Git host publishes a pull (merge) request's head: each host names its pattern
 * (GitHub refs/pull/<n>/head, GitLab refs/merge-requests/<n>/head), with `*` for the number.
 * Buildbot's Git step fetches that ref by name, so it goes to another program's command line: it
 * is made from the host's pattern and the number alone, never from anything a webhook spelled,
 * and whatever is stored must still have this shape (lower-case path segments under refs/: no
 * option, no `..`, nothing a shell reads).
 */
export const PULL_HEAD_REF = /^refs(\/[a-z0-9][a-z0-9_-]{0,63}){2,5}$/;

function invalid(what: string): SlashbuildError {
  return new SlashbuildError("REQUEST_INVALID", `${what}: nothing was built.`);
}

/** The head ref of pull request `number` on a host whose heads live at `pattern` (one `*`). */
export function pullHeadRef(pattern: string, number: number): string {
  if (!Number.isSafeInteger(number) || number < 1) {
    throw invalid(`pull request number ${String(number)} is not a positive whole number`);
  }
  return checkPullHeadRef(pattern.replace("*", String(number)));
}

/** `ref` when it has the shape of a pull request head ref; a REQUEST_INVALID otherwise. */
export function checkPullHeadRef(ref: string): string {
  if (!PULL_HEAD_REF.test(ref)) throw invalid(`${JSON.stringify(ref)} is not a pull request head ref`);
  return ref;
}
