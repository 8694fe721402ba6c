import { createHmac } from "node:crypto";
import { z } from "zod";
import type { ForgeEvent, ForgeRepoRef } from "../../../src/core/triggers/trigger.js";
import type { ForgeHost } from "../../../src/forges/forge-host.js";
import {
  commitSchema,
  parseWith,
  sha,
  splitRef,
  toTriggerCommits,
  ZERO_SHA,
} from "../../../src/forges/payload-fields.js";
import {
  type PullRequestHost,
  pullNumber,
  pullRequestTrigger,
} from "../../../src/forges/pull-request-event.js";
import { classifyStatusAnswer } from "../../../src/forges/status/classify-status-answer.js";
import type { StatusState } from "../../../src/forges/status/format-commit-status.js";

/**
 * Tinyforge, a made-up fourth Git host, written as docs/architecture.md's recipe "Add a Git host"
 * says: everything about it in one ForgeHost, registered by adding it to the host list
 * (test/integration/forges/add-a-host.test.ts). Its wire differs from the three real hosts' on
 * purpose: base64 signatures behind "v1=", its own payloads, "reviews" under refs/reviews/, and a
 * checks API with its own words.
 */

const repoSchema = z.object({ path: z.string().min(1), clone_url: z.string().nullish() });

const pushSchema = z.object({
  repo: repoSchema,
  ref: z.string(),
  head: z.string(),
  by: z.string().default(""),
  commits: z.array(commitSchema).default([]),
});

const reviewSchema = z.object({
  repo: repoSchema,
  action: z.string(),
  review: z.object({
    number: pullNumber,
    title: z.string().default(""),
    url: z.string().nullish(),
    author: z.string(),
    head: sha,
    from_fork: z.boolean(),
  }),
});

function repoRef(repo: z.output<typeof repoSchema>): ForgeRepoRef {
  return { fullName: repo.path, cloneUrls: repo.clone_url ? [repo.clone_url] : [], projectId: null };
}

function decodeTinyforgeEvent(host: PullRequestHost, event: string, payload: unknown): ForgeEvent {
  if (event === "push") {
    const push = parseWith(pushSchema, payload, "Tinyforge push");
    const repo = repoRef(push.repo);
    const ref = splitRef(push.ref);
    if (!ref || ZERO_SHA.test(push.head))
      return { kind: "ignored", why: `push to ${push.ref} builds nothing`, repo };
    return {
      kind: "push",
      repo,
      ref: ref.name,
      tag: ref.tag,
      sha: parseWith(sha, push.head, "Tinyforge push `head`"),
      headMessage: push.commits.at(-1)?.message ?? "",
      trigger: {
        kind: "push",
        forge: host.name,
        pusher: push.by,
        pusherLogin: push.by || null,
        commits: toTriggerCommits(push.commits),
        totalCommits: push.commits.length,
        compareUrl: null,
        tag: ref.tag,
      },
    };
  }
  if (event === "review") {
    const { repo, action, review } = parseWith(reviewSchema, payload, "Tinyforge review");
    if (action !== "opened" && action !== "updated") {
      return { kind: "ignored", why: `review action ${action} brings no new head`, repo: repoRef(repo) };
    }
    return {
      kind: "pull_request",
      repo: repoRef(repo),
      sha: review.head,
      headMessage: null,
      trigger: pullRequestTrigger(host, {
        number: review.number,
        title: review.title,
        url: review.url ?? null,
        author: review.author,
        fork: review.from_fork,
      }),
    };
  }
  return { kind: "ignored", why: `event ${event} is not built`, repo: null };
}

const RESULT: Readonly<Record<StatusState, string>> = {
  pending: "running",
  success: "passed",
  failure: "failed",
  error: "errored",
};

export const tinyforgeHost: ForgeHost<"tinyforge"> = {
  name: "tinyforge",
  displayNames: ["Tinyforge"],
  api: { defaultUrl: null, example: "https://tinyforge.example/api" },
  webhook: {
    eventHeaders: ["x-tinyforge-event"],
    deliveryHeaders: ["x-tinyforge-delivery"],
    presented(header) {
      const value = header("x-tinyforge-signature");
      return value?.startsWith("v1=") ? value.slice("v1=".length) : null;
    },
    sign: (secret, body) => createHmac("sha256", secret).update(body).digest("base64"),
    decode: (event, payload) => decodeTinyforgeEvent(tinyforgeHost, event, payload),
  },
  pullRequests: { heads: "refs/reviews/*/head", noun: "Review", marker: "R" },
  statuses: {
    request(apiUrl, token, status) {
      const repo = status.repo.split("/").map(encodeURIComponent).join("/");
      return {
        url: `${apiUrl}/repos/${repo}/commits/${encodeURIComponent(status.sha)}/checks`,
        headers: { "x-tinyforge-token": token },
        body: {
          result: RESULT[status.state],
          link: status.targetUrl,
          summary: status.description,
          name: status.context,
        },
      };
    },
    classify: (answer, now) => classifyStatusAnswer(answer, now, null),
  },
  web: {
    commitUrl: (apiUrl, fullName, sha) => `${apiUrl.replace(/\/api$/, "")}/${fullName}/commits/${sha}`,
    compareUrl: (apiUrl, fullName, from, to) =>
      `${apiUrl.replace(/\/api$/, "")}/${fullName}/diff/${from}..${to}`,
  },
};
