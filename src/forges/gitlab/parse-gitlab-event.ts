import { z } from "zod";
import type { ForgeEvent, ForgeRepoRef } from "../../core/triggers/trigger.js";
import { commitSchema, parseWith, sha, splitRef, toTriggerCommits, ZERO_SHA } from "../payload-fields.js";
import { type PullRequestHost, pullNumber, pullRequestTrigger } from "../pull-request-event.js";

/**
 * GitLab webhook payload → ForgeEvent (forges CONTRACT §2-3). `event` is X-Gitlab-Event
 * ("Push Hook", "Tag Push Hook", "Merge Request Hook"). GitLab has no ping: its "Test" button
 * sends a real event.
 */

const projectSchema = z.object({
  id: z.number().int(),
  path_with_namespace: z.string().min(1),
  git_http_url: z.string().nullish(),
  git_ssh_url: z.string().nullish(),
  web_url: z.string().nullish(),
});

const pushSchema = z.object({
  ref: z.string(),
  after: z.string(),
  checkout_sha: z.string().nullish(),
  user_name: z.string().default(""),
  user_username: z.string().nullish(),
  commits: z.array(commitSchema).default([]),
  total_commits_count: z.number().int().nullish(),
  project: projectSchema,
});

const mergeSchema = z.object({
  user: z.object({ username: z.string() }).nullish(),
  project: projectSchema,
  object_attributes: z.object({
    iid: pullNumber,
    title: z.string().default(""),
    url: z.string().nullish(),
    action: z.string().nullish(),
    oldrev: z.string().nullish(),
    source_project_id: z.number().int(),
    target_project_id: z.number().int(),
    last_commit: z.object({ id: sha, message: z.string().nullish() }),
  }),
});

function projectRef(project: z.output<typeof projectSchema>): ForgeRepoRef {
  return {
    fullName: project.path_with_namespace,
    cloneUrls: [project.git_http_url, project.git_ssh_url, project.web_url].filter((u): u is string => !!u),
    projectId: project.id,
  };
}

export function parseGitlabEvent(host: PullRequestHost, event: string, payload: unknown): ForgeEvent {
  if (event === "Push Hook" || event === "Tag Push Hook") {
    const push = parseWith(pushSchema, payload, `GitLab ${event}`);
    const repo = projectRef(push.project);
    const ref = splitRef(push.ref);
    const head = push.checkout_sha ?? push.after;
    if (!ref || ZERO_SHA.test(push.after) || ZERO_SHA.test(head)) {
      return { kind: "ignored", why: `push to ${push.ref} deletes it or is not a branch or tag`, repo };
    }
    const headCommit = push.commits.find((c) => c.id === head) ?? push.commits.at(-1);
    // GitLab lists the newest commit first in some versions: order by position of the head.
    const commits = push.commits[0]?.id === head ? [...push.commits].reverse() : push.commits;
    return {
      kind: "push",
      repo,
      ref: ref.name,
      tag: ref.tag,
      sha: parseWith(sha, head, "GitLab push `checkout_sha`"),
      headMessage: headCommit?.message ?? "",
      trigger: {
        kind: "push",
        forge: host.name,
        pusher: push.user_name,
        pusherLogin: push.user_username ?? null,
        commits: toTriggerCommits(commits),
        totalCommits: push.total_commits_count ?? push.commits.length,
        compareUrl: null,
        tag: ref.tag,
      },
    };
  }
  if (event === "Merge Request Hook") {
    const merge = parseWith(mergeSchema, payload, "GitLab Merge Request Hook");
    const repo = projectRef(merge.project);
    const mr = merge.object_attributes;
    // `update` is a code change only when oldrev is present; otherwise a title or label edit.
    const builds = mr.action === "open" || mr.action === "reopen" || (mr.action === "update" && !!mr.oldrev);
    if (!builds) {
      return { kind: "ignored", why: `merge request action ${mr.action ?? "none"} brings no new head`, repo };
    }
    return {
      kind: "pull_request",
      repo,
      sha: mr.last_commit.id,
      headMessage: mr.last_commit.message ?? null,
      trigger: pullRequestTrigger(host, {
        number: mr.iid,
        title: mr.title,
        url: mr.url ?? null,
        author: merge.user?.username ?? "",
        fork: mr.source_project_id !== mr.target_project_id,
      }),
    };
  }
  return { kind: "ignored", why: `event ${event} is not built`, repo: null };
}
