import { z } from "zod";
import type { ForgeEvent } from "../../core/triggers/trigger.js";
import {
  commitSchema,
  parseWith,
  pushedCommit,
  repositoryRef,
  repositorySchema,
  sha,
  splitRef,
  toTriggerCommits,
  ZERO_SHA,
} from "../payload-fields.js";
import {
  type PullRequestHost,
  pullNumber,
  pullRequestEvent,
  pullRequestFields,
} from "../pull-request-event.js";

/**
 * Gitea / Forgejo webhook payload → ForgeEvent (forges CONTRACT §2-3). `event` is X-Gitea-Event
 * (the grouped name: push, pull_request), which Forgejo sends too.
 */

const pushSchema = z.object({
  ref: z.string(),
  after: z.string(),
  compare_url: z.string().nullish(),
  commits: z.array(commitSchema).nullish(),
  total_commits: z.number().int().nullish(),
  head_commit: commitSchema.nullish(),
  pusher: z.object({ login: z.string().nullish(), full_name: z.string().nullish() }).prefault({}),
  repository: repositorySchema,
});

const pullSchema = z.object({
  action: z.string(),
  number: pullNumber,
  pull_request: z.object({
    ...pullRequestFields,
    head: z.object({ sha, repo_id: z.number().int() }),
    base: z.object({ repo_id: z.number().int() }),
  }),
  repository: repositorySchema,
});

/** Gitea spells the new-commits action "synchronized" (not GitHub's "synchronize"). */
const BUILDING_ACTIONS = new Set(["opened", "reopened", "synchronized"]);

export function parseGiteaEvent(host: PullRequestHost, event: string, payload: unknown): ForgeEvent {
  if (event === "push") {
    const push = parseWith(pushSchema, payload, "Gitea push");
    const repo = repositoryRef(push.repository);
    const ref = splitRef(push.ref);
    if (!ref || ZERO_SHA.test(push.after)) {
      return { kind: "ignored", why: `push to ${push.ref} deletes it or is not a branch or tag`, repo };
    }
    const commits = push.commits ?? [];
    const head = push.head_commit ?? commits.find((c) => c.id === push.after) ?? commits.at(-1);
    const login = push.pusher.login ?? null;
    return {
      kind: "push",
      repo,
      ref: ref.name,
      tag: ref.tag,
      sha: parseWith(sha, pushedCommit(push.after, ref.tag, push.head_commit?.id), "Gitea push `after`"),
      headMessage: head?.message ?? "",
      trigger: {
        kind: "push",
        forge: host.name,
        pusher: push.pusher.full_name || login || "",
        pusherLogin: login,
        commits: toTriggerCommits(commits),
        totalCommits: push.total_commits ?? commits.length,
        compareUrl: push.compare_url || null,
        tag: ref.tag,
      },
    };
  }
  if (event === "pull_request") {
    const pull = parseWith(pullSchema, payload, "Gitea pull_request");
    const pr = pull.pull_request;
    const fork = pr.head.repo_id !== pr.base.repo_id;
    return pullRequestEvent(host, repositoryRef(pull.repository), pull, BUILDING_ACTIONS, fork);
  }
  return { kind: "ignored", why: `event ${event} is not built`, repo: null };
}
