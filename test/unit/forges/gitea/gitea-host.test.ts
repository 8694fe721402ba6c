import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { giteaHost } from "../../../../src/forges/gitea/gitea-host.js";
import type { CommitStatusPayload } from "../../../../src/forges/status/format-commit-status.js";
import { matchSecret } from "../../../../src/forges/verify-signature.js";
import { webhookHeaders } from "../../../fakes/fake-forge.js";

const SHA = "0123456789abcdef0123456789abcdef01234567";
const body = Buffer.from('{"a":1}');
const hmac = createHmac("sha256", "the-secret").update(body).digest("hex");
const headers = (values: Record<string, string>) => (name: string) => values[name];

describe("Gitea and Forgejo webhooks", () => {
  it("X-Gitea-Signature is the bare hex HMAC of the raw body", () => {
    const sent = webhookHeaders("gitea", "push", body.toString(), "the-secret");
    expect(matchSecret(giteaHost.webhook, headers(sent), body, ["other", "the-secret"])).toBe(1);
  });

  it("a hook without a secret sends the headers empty: no signature, even beside GitHub's", () => {
    const unsigned = webhookHeaders("gitea", "push", body.toString(), null);
    expect(unsigned["x-gitea-signature"]).toBe("");
    expect(giteaHost.webhook.presented(headers(unsigned))).toBeNull();
    // Gitea also sends X-Hub-Signature-256; this receiver reads Gitea's own header only.
    expect(giteaHost.webhook.presented(headers({ "x-hub-signature-256": `sha256=${hmac}` }))).toBeNull();
  });

  it("Forgejo's own headers: X-Forgejo-Signature, X-Forgejo-Event, X-Forgejo-Delivery", () => {
    expect(
      matchSecret(giteaHost.webhook, headers({ "x-forgejo-signature": hmac }), body, ["the-secret"]),
    ).toBe(0);
    expect(giteaHost.webhook.eventHeaders).toEqual(["x-gitea-event", "x-forgejo-event"]);
    expect(giteaHost.webhook.deliveryHeaders).toEqual(["x-gitea-delivery", "x-forgejo-delivery"]);
    expect(giteaHost.displayNames).toEqual(["Gitea", "Forgejo"]);
  });

  it("has no public instance: the config must name its API", () => {
    expect(giteaHost.api.defaultUrl).toBeNull();
    expect(giteaHost.api.example).toMatch(/\/api\/v1$/);
  });
});

describe("Gitea commit statuses", () => {
  const status: CommitStatusPayload = {
    forge: "gitea",
    repo: "acme/app",
    sha: SHA,
    state: "error",
    targetUrl: "http://ci/builds/3",
    description: "#3 cancelled",
    context: "slashbuild",
  };

  it("POST {api}/repos/{owner}/{repo}/statuses/{sha} with Authorization: token, GitHub's state words", () => {
    expect(giteaHost.statuses.request("https://gt/api/v1", "tok", status)).toEqual({
      url: `https://gt/api/v1/repos/acme/app/statuses/${SHA}`,
      headers: { authorization: "token tok" },
      body: {
        state: "error",
        target_url: "http://ci/builds/3",
        description: "#3 cancelled",
        context: "slashbuild",
      },
    });
  });

  it("has no rate limit headers: a 429 pauses for its Retry-After, a 403 is a refusal", () => {
    const classify = (status: number, sent: Record<string, string>) =>
      giteaHost.statuses.classify({ status, headers: new Headers(sent), body: "" }, 0);
    expect(classify(429, { "retry-after": "3" })).toMatchObject({ kind: "rate_limited", retryAfterMs: 3000 });
    expect(classify(403, { "x-ratelimit-remaining": "0" }).kind).toBe("permanent");
    expect(classify(404, {}).kind).toBe("permanent");
    expect(classify(503, {}).kind).toBe("retryable");
  });
});

describe("Gitea commit pages", () => {
  it("are where Gitea's own push payload says its commits are", async () => {
    const { readFile } = await import("node:fs/promises");
    const push = JSON.parse(
      await readFile(new URL("../../../fixtures/forges/gitea-push.json", import.meta.url), "utf8"),
    ) as { commits: { id: string; url: string }[] };
    const commit = push.commits[0];
    expect(giteaHost.web.commitUrl("http://localhost:3000/api/v1", "gitea/webhooks", commit?.id ?? "")).toBe(
      commit?.url,
    );
  });
});
