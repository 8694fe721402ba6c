import { type ForgeHost, repoPath } from "../forge-host.js";
import { classifyStatusAnswer } from "../status/classify-status-answer.js";
import { hmacSha256Hex } from "../verify-signature.js";
import { parseGithubEvent } from "./parse-github-event.js";

/**
 * GitHub (and GitHub Enterprise Server, whose API base is https://<host>/api/v3), as the forges
 * CONTRACT (../shared/forges/CONTRACT.md) describes it:
 * - webhook: X-GitHub-Event, X-GitHub-Delivery, X-Hub-Signature-256 = "sha256=" + hex HMAC-SHA256;
 * - pull request heads at refs/pull/<n>/head;
 * - statuses: POST {api}/repos/{owner}/{repo}/statuses/{sha}, Authorization: Bearer; rate limits
 *   in x-ratelimit-remaining / x-ratelimit-reset;
 * - a commit's page: https://github.com/{owner}/{repo}/commit/{sha} (Enterprise: the API's origin).
 */
export const githubHost: ForgeHost<"github"> = {
  name: "github",
  displayNames: ["GitHub"],
  api: { defaultUrl: "https://api.github.com", example: "https://github.example.com/api/v3" },
  webhook: {
    eventHeaders: ["x-github-event"],
    deliveryHeaders: ["x-github-delivery"],
    presented(header) {
      const value = header("x-hub-signature-256");
      return value?.startsWith("sha256=") ? value.slice("sha256=".length).toLowerCase() : null;
    },
    sign: hmacSha256Hex,
    decode: (event, payload) => parseGithubEvent(githubHost, event, payload),
  },
  pullRequests: { heads: "refs/pull/*/head", noun: "Pull request", marker: "#" },
  statuses: {
    request(apiUrl, token, status) {
      const repo = status.repo.split("/").map(encodeURIComponent).join("/");
      return {
        url: `${apiUrl}/repos/${repo}/statuses/${encodeURIComponent(status.sha)}`,
        headers: { authorization: `Bearer ${token}`, accept: "application/vnd.github+json" },
        body: {
          state: status.state,
          target_url: status.targetUrl,
          description: status.description,
          context: status.context,
        },
      };
    },
    classify: (answer, now) =>
      classifyStatusAnswer(answer, now, { remaining: "x-ratelimit-remaining", reset: "x-ratelimit-reset" }),
  },
  web: {
    commitUrl(apiUrl, fullName, sha) {
      const origin =
        apiUrl === "https://api.github.com" ? "https://github.com" : apiUrl.replace(/\/api\/v3$/, "");
      return `${origin}/${repoPath(fullName)}/commit/${encodeURIComponent(sha)}`;
    },
    // api.github.com serves github.com; GitHub Enterprise Server's API is <host>/api/v3.
    compareUrl: (apiUrl, fullName, from, to) =>
      `${apiUrl === "https://api.github.com" ? "https://github.com" : apiUrl.replace(/\/api\/v3$/, "")}/${repoPath(fullName)}/compare/${from}...${to}`,
  },
};
