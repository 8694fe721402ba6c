import { z } from "zod";
import type { ForgeEvent } from "../../core/triggers/trigger.js";
import { repoRef } from "../github/parse-github-event.js";
import { commitSchema, parseWith, sha, splitRef, toTriggerCommits, ZERO_SHA } from "../payload-fields.js";

/**
 * Gitea / Forgejo webhook payload → ForgeEvent (forges CONTRACT §2-3). `event` is X-Gitea-Event
 * (the grouped name: push, pull_request), which Forgejo sends too.
 */

const repoSchema = z.object({
  full_name: z.string().min(1),
  clone_url: z.string().nullish(),
  ssh_url: z.string().nullish(),
  html_url: z.string().nullish(),
});

const pushSchema = z.object({
  ref: z.string(),
  after: z.string(),
  compare_url: z.string().nullish(),
  commits: z.array(commitSchema).nullish(),
  total_commits: z.number().int().nullish(),
  head_commit: commitSchema.nullish(),
  pusher: z.object({ login: z.string().nullish(), full_name: z.string().nullish() }).prefault({}),
  repository: repoSchema,
});

const pullSchema = z.object({
  action: z.string(),
  number: z.number().int(),
  pull_request: z.object({
    title: z.string().default(""),
    html_url: z.string().nullish(),
    user: z.object({ login: z.string() }),
    head: z.object({ sha, repo_id: z.number().int() }),
    base: z.object({ repo_id: z.number().int() }),
  }),
  repository: repoSchema,
});

/** Gitea spells the new-commits action "synchronized" (not GitHub's "synchronize"). */
const BUILDING_ACTIONS = new Set(["opened", "reopened", "synchronized"]);

export function parseGiteaEvent(event: string, payload: unknown): ForgeEvent {
  if (event === "push") {
    const push = parseWith(pushSchema, payload, "Gitea push");
    const repo = repoRef(push.repository);
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
      sha: parseWith(sha, push.after, "Gitea push `after`"),
      headMessage: head?.message ?? "",
      trigger: {
        kind: "push",
        forge: "gitea",
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
    const repo = repoRef(pull.repository);
    if (!BUILDING_ACTIONS.has(pull.action)) {
      return { kind: "ignored", why: `pull request action ${pull.action} brings no new head`, repo };
    }
    const pr = pull.pull_request;
    return {
      kind: "pull_request",
      repo,
      sha: pr.head.sha,
      headMessage: null,
      trigger: {
        kind: "pull_request",
        forge: "gitea",
        number: pull.number,
        title: pr.title,
        url: pr.html_url ?? null,
        author: pr.user.login,
        fork: pr.head.repo_id !== pr.base.repo_id,
      },
    };
  }
  return { kind: "ignored", why: `event ${event} is not built`, repo: null };
}
