import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { gitlabHost } from "../../../../src/forges/gitlab/gitlab-host.js";

/** GitLab's payloads (test/fixtures/forges) → core ForgeEvents. */

const decode = gitlabHost.webhook.decode;

function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../../../fixtures/forges/${name}`, import.meta.url), "utf8"));
}

describe("GitLab payloads", () => {
  it("Push Hook builds checkout_sha and names the project by path and clone URLs", () => {
    const event = decode("Push Hook", fixture("gitlab-push.json"));
    expect(event).toMatchObject({
      kind: "push",
      ref: "master",
      sha: "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
      repo: { fullName: "mike/diaspora", projectId: 15 },
      trigger: { forge: "gitlab", pusherLogin: "jsmith", totalCommits: 4 },
    });
    if (event.kind !== "push") throw new Error("not a push");
    expect(event.trigger.commits.map((c) => c.title)).toEqual([
      "Update Catalan translation to e38cb41.",
      "fixed readme",
    ]);
  });

  it("Merge Request Hook update with oldrev builds last_commit; without oldrev it is an edit", () => {
    const payload = fixture("gitlab-merge_request.json");
    expect(decode("Merge Request Hook", payload)).toMatchObject({
      kind: "pull_request",
      sha: "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
      trigger: { number: 1, title: "MS-Viewport", author: "root", fork: false },
    });
    const attributes = { ...(payload.object_attributes as object), oldrev: undefined };
    expect(decode("Merge Request Hook", { ...payload, object_attributes: attributes }).kind).toBe("ignored");
  });

  it("a merge request iid that is 0, negative or fractional is a 400: it would name a ref", () => {
    const gitlab = fixture("gitlab-merge_request.json");
    for (const bad of [0, -3, 1.5]) {
      const attributes = { ...(gitlab.object_attributes as object), iid: bad };
      expect(() => decode("Merge Request Hook", { ...gitlab, object_attributes: attributes })).toThrow(
        expect.objectContaining({ code: "REQUEST_INVALID", httpStatus: 400 }),
      );
    }
  });
});
