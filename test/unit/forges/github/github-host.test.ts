import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { githubHost } from "../../../../src/forges/github/github-host.js";
import type { CommitStatusPayload } from "../../../../src/forges/status/format-commit-status.js";
import { matchSecret } from "../../../../src/forges/verify-signature.js";

const SHA = "0123456789abcdef0123456789abcdef01234567";
const NOW = Date.UTC(2026, 0, 1);
const body = Buffer.from('{"zen":"Keep it logically awesome."}');
const hmac = createHmac("sha256", "the-secret").update(body).digest("hex");
const headers = (values: Record<string, string>) => (name: string) => values[name];

describe("GitHub webhooks", () => {
  it("X-Hub-Signature-256 is sha256= and the hex HMAC of the raw body (any case)", () => {
    const signed = headers({ "x-hub-signature-256": `sha256=${hmac.toUpperCase()}` });
    expect(matchSecret(githubHost.webhook, signed, body, ["other", "the-secret"])).toBe(1);
  });

  it("the bare hex without its prefix, the legacy SHA-1 header, or Gitea's header are no signature", () => {
    const others: Record<string, string>[] = [
      { "x-hub-signature-256": hmac },
      { "x-hub-signature": `sha1=${createHmac("sha1", "the-secret").update(body).digest("hex")}` },
      { "x-gitea-signature": hmac },
    ];
    for (const sent of others) {
      expect(githubHost.webhook.presented(headers(sent))).toBeNull();
    }
  });

  it("the event is X-GitHub-Event, the delivery X-GitHub-Delivery", () => {
    expect(githubHost.webhook.eventHeaders).toEqual(["x-github-event"]);
    expect(githubHost.webhook.deliveryHeaders).toEqual(["x-github-delivery"]);
  });

  it("pull request heads are refs/pull/<n>/head, written #<n>", () => {
    expect(githubHost.pullRequests).toEqual({ heads: "refs/pull/*/head", noun: "Pull request", marker: "#" });
  });
});

describe("GitHub commit statuses", () => {
  const status: CommitStatusPayload = {
    forge: "github",
    repo: "acme/app",
    sha: SHA,
    state: "failure",
    targetUrl: "http://ci/builds/3",
    description: "#3 failed",
    context: "ci/slashbuild",
  };

  it("POST {api}/repos/{owner}/{repo}/statuses/{sha}, a Bearer token and GitHub's media type", () => {
    expect(githubHost.statuses.request("https://api.github.com", "tok", status)).toEqual({
      url: `https://api.github.com/repos/acme/app/statuses/${SHA}`,
      headers: { authorization: "Bearer tok", accept: "application/vnd.github+json" },
      body: {
        state: "failure",
        target_url: "http://ci/builds/3",
        description: "#3 failed",
        context: "ci/slashbuild",
      },
    });
    expect(githubHost.api.defaultUrl).toBe("https://api.github.com");
  });

  it("rate limits pause as GitHub says: x-ratelimit-reset, retry-after, else a minute", () => {
    const classify = (status: number, sent: Record<string, string>) =>
      githubHost.statuses.classify({ status, headers: new Headers(sent), body: "" }, NOW);
    expect(
      classify(403, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(NOW / 1000 + 90) }),
    ).toMatchObject({
      kind: "rate_limited",
      retryAfterMs: 90_000,
    });
    expect(classify(429, { "retry-after": "12" })).toMatchObject({
      kind: "rate_limited",
      retryAfterMs: 12_000,
    });
    expect(classify(403, { "retry-after": "5" }).kind).toBe("rate_limited");
    expect(classify(429, {})).toMatchObject({ retryAfterMs: 60_000 });
    // A plain 403 (the token lacks the scope) cannot succeed by retrying; nor can GitLab's header mean anything here.
    expect(classify(403, { "x-ratelimit-remaining": "4999" }).kind).toBe("permanent");
    expect(classify(403, { "ratelimit-remaining": "0" }).kind).toBe("permanent");
    expect(classify(502, {}).kind).toBe("retryable");
    expect(classify(201, {}).kind).toBe("delivered");
  });
});

describe("GitHub commit pages", () => {
  const sha = "0123456789abcdef0123456789abcdef01234567";
  it("are on github.com for the public API, on the Enterprise server's own origin otherwise", () => {
    expect(githubHost.web.commitUrl("https://api.github.com", "acme/app", sha)).toBe(
      `https://github.com/acme/app/commit/${sha}`,
    );
    expect(githubHost.web.commitUrl("https://ghe.example.com/api/v3", "acme/app", sha)).toBe(
      `https://ghe.example.com/acme/app/commit/${sha}`,
    );
  });
});
