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
 * GitHub webhook payload → ForgeEvent (forges CONTRACT §2-3). Pure: the receiver has already
 * checked the signature and parsed the JSON.
 */

const pushSchema = z.object({
  ref: z.string(),
  after: z.string(),
  deleted: z.boolean().default(false),
  compare: z.string().nullish(),
  commits: z.array(commitSchema).default([]),
  head_commit: commitSchema.nullish(),
  pusher: z.object({ name: z.string().default("") }).prefault({}),
  sender: z.object({ login: z.string() }).nullish(),
  repository: repositorySchema,
});

const pullSchema = z.object({
  action: z.string(),
  number: pullNumber,
  pull_request: z.object({
    ...pullRequestFields,
    head: z.object({ sha, repo: z.object({ full_name: z.string() }).nullish() }),
    base: z.object({ repo: z.object({ full_name: z.string() }) }),
  }),
  repository: repositorySchema,
});

/** Actions that put a new head up for building. */
const BUILDING_ACTIONS = new Set(["opened", "synchronize", "reopened"]);

export function parseGithubEvent(host: PullRequestHost, event: string, payload: unknown): ForgeEvent {
  if (event === "ping") return { kind: "ping" };
  if (event === "push") {
    const push = parseWith(pushSchema, payload, "GitHub push");
    const repo = repositoryRef(push.repository);
    const ref = splitRef(push.ref);
    if (!ref || push.deleted || ZERO_SHA.test(push.after)) {
      return { kind: "ignored", why: `push to ${push.ref} deletes it or is not a branch or tag`, repo };
    }
    const head = push.head_commit ?? push.commits.at(-1);
    return {
      kind: "push",
      repo,
      ref: ref.name,
      tag: ref.tag,
      sha: parseWith(sha, pushedCommit(push.after, ref.tag, push.head_commit?.id), "GitHub push `after`"),
      headMessage: head?.message ?? "",
      trigger: {
        kind: "push",
        forge: host.name,
        pusher: push.pusher.name,
        pusherLogin: push.sender?.login ?? (push.pusher.name || null),
        commits: toTriggerCommits(push.commits),
        totalCommits: push.commits.length,
        compareUrl: push.compare ?? null,
        tag: ref.tag,
      },
    };
  }
  if (event === "pull_request") {
    const pull = parseWith(pullSchema, payload, "GitHub pull_request");
    const pr = pull.pull_request;
    // A deleted fork (head.repo null) is a fork all the same.
    const fork = pr.head.repo?.full_name !== pr.base.repo.full_name;
    return pullRequestEvent(host, repositoryRef(pull.repository), pull, BUILDING_ACTIONS, fork);
  }
  return { kind: "ignored", why: `event ${event} is not built`, repo: null };
}
