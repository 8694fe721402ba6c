import { z } from "zod";
import { pullHeadRef } from "../core/triggers/pull-ref.js";
import type { BuildTrigger, ForgeEvent, ForgeRepoRef } from "../core/triggers/trigger.js";
import type { ForgeHost } from "./forge-host.js";

/**
 * Pull (merge) requests as core ForgeEvents. pullRequestTrigger is every host's: the trigger
 * carries the host's head ref and words, made from its ForgeHost entry and the number alone.
 * pullRequestEvent reads the payload GitHub and Gitea/Forgejo share (Gitea copied GitHub's shape):
 * the number, title, link, author and head commit. What differs stays with each host: the actions
 * that bring a new head, and how a fork is recognised.
 */

export type PullRequestHost = Pick<ForgeHost, "name" | "pullRequests">;

type PullRequestTrigger = Extract<BuildTrigger, { kind: "pull_request" }>;

/** A PR number names a ref (refs/pull/<n>/head): a positive whole number, nothing else. */
export const pullNumber = z.number().int().positive();

export function pullRequestTrigger(
  host: PullRequestHost,
  pull: Pick<PullRequestTrigger, "number" | "title" | "url" | "author" | "fork">,
): PullRequestTrigger {
  return {
    kind: "pull_request",
    forge: host.name,
    number: pull.number,
    title: pull.title,
    url: pull.url,
    author: pull.author,
    fork: pull.fork,
    headRef: pullHeadRef(host.pullRequests.heads, pull.number),
    noun: host.pullRequests.noun,
    reference: `${host.pullRequests.marker}${pull.number}`,
  };
}

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
  host: PullRequestHost,
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
    trigger: pullRequestTrigger(host, {
      number: pull.number,
      title: pr.title,
      url: pr.html_url ?? null,
      author: pr.user.login,
      fork,
    }),
  };
}
