import { type ForgeHost, repoPath } from "../forge-host.js";
import { classifyStatusAnswer } from "../status/classify-status-answer.js";
import type { StatusState } from "../status/format-commit-status.js";
import { parseGitlabEvent } from "./parse-gitlab-event.js";

/**
 * GitLab, as the forges CONTRACT (../shared/forges/CONTRACT.md) describes it:
 * - webhook: X-Gitlab-Event ("Push Hook", "Tag Push Hook", "Merge Request Hook"), Idempotency-Key
 *   (17.4+, the same across retries and manual resends) else X-Gitlab-Event-UUID, and
 *   X-Gitlab-Token = the secret itself (no HMAC: it does not cover the body);
 * - merge request heads at refs/merge-requests/<n>/head, written !<n>;
 * - statuses: POST {api}/projects/{url-encoded path}/statuses/{sha} (api ends in /api/v4),
 *   PRIVATE-TOKEN, its own state words; rate limits in ratelimit-remaining / ratelimit-reset;
 * - a commit's page: {origin}/{group}/{name}/-/commit/{sha}, the origin being the API's without /api/v4.
 */

/** GitLab's vocabulary differs: failed, canceled. */
const GITLAB_STATE: Readonly<Record<StatusState, string>> = {
  pending: "pending",
  success: "success",
  failure: "failed",
  error: "canceled",
};

export const gitlabHost: ForgeHost<"gitlab"> = {
  name: "gitlab",
  displayNames: ["GitLab"],
  api: { defaultUrl: "https://gitlab.com/api/v4", example: "https://gitlab.example.com/api/v4" },
  webhook: {
    eventHeaders: ["x-gitlab-event"],
    deliveryHeaders: ["idempotency-key", "x-gitlab-event-uuid"],
    presented: (header) => header("x-gitlab-token") || null,
    sign: (secret) => secret,
    decode: (event, payload) => parseGitlabEvent(gitlabHost, event, payload),
  },
  pullRequests: { heads: "refs/merge-requests/*/head", noun: "Merge request", marker: "!" },
  statuses: {
    request(apiUrl, token, status) {
      return {
        url: `${apiUrl}/projects/${encodeURIComponent(status.repo)}/statuses/${encodeURIComponent(status.sha)}`,
        headers: { "private-token": token },
        body: {
          state: GITLAB_STATE[status.state],
          target_url: status.targetUrl,
          description: status.description,
          context: status.context,
          name: status.context,
        },
      };
    },
    classify: (answer, now) =>
      classifyStatusAnswer(answer, now, { remaining: "ratelimit-remaining", reset: "ratelimit-reset" }),
  },
  web: {
    commitUrl: (apiUrl, fullName, sha) =>
      `${apiUrl.replace(/\/api\/v4$/, "")}/${repoPath(fullName)}/-/commit/${encodeURIComponent(sha)}`,
    compareUrl: (apiUrl, fullName, from, to) =>
      `${apiUrl.replace(/\/api\/v4$/, "")}/${repoPath(fullName)}/-/compare/${from}...${to}`,
  },
};
