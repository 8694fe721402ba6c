import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { giteaHost } from "../../../../src/forges/gitea/gitea-host.js";

/** Gitea's and Forgejo's payloads (test/fixtures/forges) → core ForgeEvents. */

const decode = giteaHost.webhook.decode;

function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../../../fixtures/forges/${name}`, import.meta.url), "utf8"));
}

describe("Gitea / Forgejo payloads", () => {
  it("push: sha, compare_url, pusher login and commit authors", () => {
    expect(decode("push", fixture("gitea-push.json"))).toMatchObject({
      kind: "push",
      ref: "develop",
      sha: "bffeb74224043ba2feb48d137756c8a9331c449a",
      repo: { fullName: "gitea/webhooks" },
      trigger: {
        forge: "gitea",
        pusherLogin: "gitea",
        compareUrl: expect.stringContaining("/compare/"),
        commits: [{ title: "Webhooks Yay!", authorEmail: "someone@gitea.io" }],
      },
    });
  });

  it("pull_request synchronized from a fork (repo ids differ) is a fork build of the head sha", () => {
    expect(decode("pull_request", fixture("gitea-pull_request.json"))).toMatchObject({
      kind: "pull_request",
      sha: "bffeb74224043ba2feb48d137756c8a9331c449a",
      trigger: { number: 7, title: "Add webhook docs", author: "alice", fork: true },
    });
  });

  it("a closed pull request builds nothing", () => {
    const closed = { ...fixture("gitea-pull_request.json"), action: "closed" };
    expect(decode("pull_request", closed).kind).toBe("ignored");
  });

  it("an annotated tag push builds the commit head_commit names, not the tag object in `after`", () => {
    const gitea = fixture("gitea-push.json");
    const head = (gitea.commits as { id: string }[])[0]?.id;
    expect(
      decode("push", {
        ...gitea,
        ref: "refs/tags/v1",
        after: "e".repeat(40),
        head_commit: { ...(gitea.commits as object[])[0] },
      }),
    ).toMatchObject({ tag: true, ref: "v1", sha: head });
  });

  it("a pull request number that is 0, negative or fractional is a 400: it would name a ref", () => {
    const gitea = fixture("gitea-pull_request.json");
    for (const bad of [0, -3, 1.5]) {
      expect(() => decode("pull_request", { ...gitea, number: bad })).toThrow(
        expect.objectContaining({ code: "REQUEST_INVALID", httpStatus: 400 }),
      );
    }
  });
});
