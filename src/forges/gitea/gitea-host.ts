import { type ForgeHost, repoPath } from "../forge-host.js";
import { classifyStatusAnswer } from "../status/classify-status-answer.js";
import { hmacSha256Hex } from "../verify-signature.js";
import { parseGiteaEvent } from "./parse-gitea-event.js";

/**
 * Gitea, and Forgejo, which this entry serves too (existing `forges.gitea` configs keep working for
 * both), as the forges CONTRACT (../shared/forges/CONTRACT.md) describes them:
 * - webhook: X-Gitea-Event / X-Forgejo-Event (the grouped name: push, pull_request),
 *   X-Gitea-Delivery / X-Forgejo-Delivery, and X-Gitea-Signature / X-Forgejo-Signature = bare hex
 *   HMAC-SHA256 (sent empty when the hook has no secret: no signature);
 * - pull request heads at refs/pull/<n>/head, as on GitHub;
 * - statuses: POST {api}/repos/{owner}/{repo}/statuses/{sha} (api ends in /api/v1), Authorization:
 *   token; no rate limit headers (a 429 with Retry-After from a proxy still pauses);
 * - a commit's page: {origin}/{owner}/{repo}/commit/{sha}, the origin being the API's without /api/v1.
 */
export const giteaHost: ForgeHost<"gitea"> = {
  name: "gitea",
  displayNames: ["Gitea", "Forgejo"],
  api: { defaultUrl: null, example: "https://git.example.com/api/v1" },
  webhook: {
    eventHeaders: ["x-gitea-event", "x-forgejo-event"],
    deliveryHeaders: ["x-gitea-delivery", "x-forgejo-delivery"],
    presented(header) {
      const value = header("x-gitea-signature") || header("x-forgejo-signature");
      return value ? value.toLowerCase() : null;
    },
    sign: hmacSha256Hex,
    decode: (event, payload) => parseGiteaEvent(giteaHost, event, payload),
  },
  pullRequests: { heads: "refs/pull/*/head", noun: "Pull request", marker: "#" },
  statuses: {
    request(apiUrl, token, status) {
      const repo = status.repo.split("/").map(encodeURIComponent).join("/");
      return {
        url: `${apiUrl}/repos/${repo}/statuses/${encodeURIComponent(status.sha)}`,
        headers: { authorization: `token ${token}` },
        body: {
          state: status.state,
          target_url: status.targetUrl,
          description: status.description,
          context: status.context,
        },
      };
    },
    classify: (answer, now) => classifyStatusAnswer(answer, now, null),
  },
  web: {
    commitUrl: (apiUrl, fullName, sha) =>
      `${apiUrl.replace(/\/api\/v1$/, "")}/${repoPath(fullName)}/commit/${encodeURIComponent(sha)}`,
    compareUrl: (apiUrl, fullName, from, to) =>
      `${apiUrl.replace(/\/api\/v1$/, "")}/${repoPath(fullName)}/compare/${from}...${to}`,
  },
};
