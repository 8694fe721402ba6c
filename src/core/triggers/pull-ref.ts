import { SlashbuildError } from "../errors.js";
import type { ForgeKind } from "./trigger.js";

/**
 * Where a Git host publishes a pull (merge) request's head: GitHub and Gitea/Forgejo as
 * refs/pull/<n>/head, GitLab as refs/merge-requests/<n>/head. Buildbot's Git step fetches that
 * ref by name, so it goes to another program's command line: it is built from the number alone
 * and must match this shape exactly, never anything a webhook spelled.
 */
export const PULL_HEAD_REF = /^refs\/(pull|merge-requests)\/[1-9][0-9]{0,9}\/head$/;

export function pullHeadRef(forge: ForgeKind, number: number): string {
  const ref = `refs/${forge === "gitlab" ? "merge-requests" : "pull"}/${number}/head`;
  if (!Number.isSafeInteger(number) || !PULL_HEAD_REF.test(ref)) {
    throw new SlashbuildError(
      "REQUEST_INVALID",
      `pull request number ${String(number)} is not a positive whole number: nothing was built.`,
    );
  }
  return ref;
}
