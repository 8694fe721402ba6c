import { describe, expect, it } from "vitest";
import { gitlabHost } from "../../../../src/forges/gitlab/gitlab-host.js";
import type { CommitStatusPayload } from "../../../../src/forges/status/format-commit-status.js";
import { matchSecret } from "../../../../src/forges/verify-signature.js";

const SHA = "0123456789abcdef0123456789abcdef01234567";
const NOW = Date.UTC(2026, 0, 1);
const headers = (values: Record<string, string>) => (name: string) => values[name];

describe("GitLab webhooks", () => {
  it("X-Gitlab-Token must be the secret itself", () => {
    const body = Buffer.from("{}");
    expect(
      matchSecret(gitlabHost.webhook, headers({ "x-gitlab-token": "the-secret" }), body, ["x", "the-secret"]),
    ).toBe(1);
    expect(
      matchSecret(gitlabHost.webhook, headers({ "x-gitlab-token": "the-secret " }), body, ["the-secret"]),
    ).toBeNull();
    expect(matchSecret(gitlabHost.webhook, headers({ "x-gitlab-token": "" }), body, [""])).toBeNull();
  });

  it("a GitHub-style HMAC header is no token", () => {
    expect(gitlabHost.webhook.presented(headers({ "x-hub-signature-256": "sha256=abc" }))).toBeNull();
  });

  it("the delivery is Idempotency-Key (the same across retries), else X-Gitlab-Event-UUID", () => {
    expect(gitlabHost.webhook.deliveryHeaders).toEqual(["idempotency-key", "x-gitlab-event-uuid"]);
    expect(gitlabHost.webhook.eventHeaders).toEqual(["x-gitlab-event"]);
  });

  it("merge request heads are refs/merge-requests/<n>/head, written !<n> (#<n> is an issue there)", () => {
    expect(gitlabHost.pullRequests).toEqual({
      heads: "refs/merge-requests/*/head",
      noun: "Merge request",
      marker: "!",
    });
  });
});

describe("GitLab commit statuses", () => {
  const status: CommitStatusPayload = {
    forge: "gitlab",
    repo: "group/sub/app",
    sha: SHA,
    state: "failure",
    targetUrl: "http://ci/builds/3",
    description: "#3 failed",
    context: "ci/slashbuild",
  };

  it("POST {api}/projects/{url-encoded path}/statuses/{sha} with PRIVATE-TOKEN and GitLab's words", () => {
    const request = gitlabHost.statuses.request("https://gl/api/v4", "tok", status);
    expect(request.url).toBe(`https://gl/api/v4/projects/group%2Fsub%2Fapp/statuses/${SHA}`);
    expect(request.headers).toEqual({ "private-token": "tok" });
    expect(request.body).toMatchObject({ state: "failed", name: "ci/slashbuild", context: "ci/slashbuild" });
    const states = (["pending", "success", "failure", "error"] as const).map(
      (state) => gitlabHost.statuses.request("https://gl/api/v4", "tok", { ...status, state }).body.state,
    );
    expect(states).toEqual(["pending", "success", "failed", "canceled"]);
    expect(gitlabHost.api.defaultUrl).toBe("https://gitlab.com/api/v4");
  });

  it("rate limits pause as GitLab says: retry-after, else ratelimit-reset", () => {
    const classify = (status: number, sent: Record<string, string>) =>
      gitlabHost.statuses.classify({ status, headers: new Headers(sent), body: "" }, NOW);
    expect(classify(429, { "ratelimit-reset": String(NOW / 1000 + 30) })).toMatchObject({
      kind: "rate_limited",
      retryAfterMs: 30_000,
    });
    expect(classify(429, { "retry-after": "4", "ratelimit-reset": "0" })).toMatchObject({
      retryAfterMs: 4000,
    });
    // GitHub's header family means nothing here.
    expect(classify(429, { "x-ratelimit-reset": String(NOW / 1000 + 30) })).toMatchObject({
      retryAfterMs: 60_000,
    });
    expect(classify(400, {}).kind).toBe("permanent");
  });
});

describe("GitLab commit pages", () => {
  it("are under the group path, on the instance's origin, at GitLab's /-/commit/ route", () => {
    const sha = "0123456789abcdef0123456789abcdef01234567";
    expect(gitlabHost.web.commitUrl("https://gitlab.example.com/api/v4", "group/sub/app", sha)).toBe(
      `https://gitlab.example.com/group/sub/app/-/commit/${sha}`,
    );
  });
});
