import { z } from "zod";
import type { ForgeEvent, ForgeKind, ForgeRepoRef } from "../core/triggers/trigger.js";

/**
 * The pull request payload GitHub and Gitea/Forgejo share (Gitea copied GitHub's shape): the
 * number, title, link, author and head commit, mapped to one ForgeEvent. What differs stays with
 * each host: the actions that bring a new head, and how a fork is recognised.
 */

/** A PR number names a ref (refs/pull/<n>/head): a positive whole number, nothing else. */
export const pullNumber = z.number().int().positive();

export const pullRequestFields = {
  title: z.string().default(""),
  html_url: z.string().nullish(),
  user: z.object({ login: z.string() }),
};

export interface PullRequestPayload {
  readonly action: string;
  readonly number: number;
  readonly pull_request: {
    readonly title: string;
    readonly html_url?: string | null | undefined;
    readonly user: { readonly login: string };
    readonly head: { readonly sha: string };
  };
}

export function pullRequestEvent(
  forge: ForgeKind,
  repo: ForgeRepoRef,
  pull: PullRequestPayload,
  buildingActions: ReadonlySet<string>,
  fork: boolean,
): ForgeEvent {
  if (!buildingActions.has(pull.action)) {
    return { kind: "ignored", why: `pull request action ${pull.action} brings no new head`, repo };
  }
  const pr = pull.pull_request;
  return {
    kind: "pull_request",
    repo,
    sha: pr.head.sha,
    // Neither host's pull_request payload carries the head commit's message; only a push does.
    headMessage: null,
    trigger: {
      kind: "pull_request",
      forge,
      number: pull.number,
      title: pr.title,
      url: pr.html_url ?? null,
      author: pr.user.login,
      fork,
    },
  };
}
