import { describe, expect, it } from "vitest";
import { githubHost } from "../../../../src/forges/github/github-host.js";
import { githubExamples } from "../../../helpers/github-examples.js";

/** GitHub's payloads (@octokit/webhooks-examples) → core ForgeEvents. */

const decode = githubHost.webhook.decode;

describe("GitHub payloads (@octokit/webhooks-examples)", () => {
  it("a ping is a ping", () => {
    for (const example of githubExamples("ping")) expect(decode("ping", example).kind).toBe("ping");
  });

  it("a branch push builds its `after` sha, with pusher, commits and compare link", () => {
    const example = githubExamples("push").find((e) => e.ref === "refs/heads/master");
    const event = decode("push", example);
    expect(event).toMatchObject({
      kind: "push",
      ref: "master",
      tag: false,
      sha: "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
      repo: { fullName: "Codertocat/Hello-World" },
      trigger: { kind: "push", forge: "github", pusherLogin: "Codertocat", totalCommits: 1 },
    });
    if (event.kind !== "push") throw new Error("not a push");
    expect(event.repo.cloneUrls).toContain("https://github.com/Codertocat/Hello-World.git");
    expect(event.trigger.compareUrl).toMatch(/^https:\/\/github\.com\//);
    expect(event.trigger.commits[0]?.sha).toMatch(/^[0-9a-f]{40}$/);
  });

  it("an annotated tag push builds the commit head_commit names, not the tag object in `after`", () => {
    const example = githubExamples("push").find(
      (e) => e.ref === "refs/tags/simple-tag" && e.created === true,
    );
    if (!example) throw new Error("no tag creation example");
    const commit = (example.head_commit as { id: string }).id;
    const event = decode("push", { ...example, after: "f".repeat(40) });
    expect(event).toMatchObject({ kind: "push", tag: true, ref: "simple-tag", sha: commit });
    // A branch push still builds `after`.
    expect(decode("push", { ...example, ref: "refs/heads/x", after: "f".repeat(40) })).toMatchObject({
      sha: "f".repeat(40),
    });
  });

  it("a tag delete (after = zeros) builds nothing", () => {
    const deleted = githubExamples("push").filter((e) => e.deleted === true);
    expect(deleted.length).toBeGreaterThan(0);
    for (const example of deleted) expect(decode("push", example).kind).toBe("ignored");
  });

  it("opened, synchronize and reopened build the head sha; other actions do not", () => {
    for (const example of githubExamples("pull_request")) {
      const event = decode("pull_request", example);
      if (["opened", "synchronize", "reopened"].includes(String(example.action))) {
        expect(event).toMatchObject({
          kind: "pull_request",
          sha: "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
          trigger: { number: 2, author: "Codertocat", fork: false },
        });
      } else {
        expect(event.kind).toBe("ignored");
      }
    }
  });

  it("a PR whose head is another repository (or a deleted fork) is a fork", () => {
    const opened = structuredClone(githubExamples("pull_request").find((e) => e.action === "opened")) as {
      pull_request: { head: { repo: unknown } };
    };
    opened.pull_request.head.repo = { full_name: "mallory/Hello-World" };
    expect(decode("pull_request", opened)).toMatchObject({ trigger: { fork: true } });
    opened.pull_request.head.repo = null;
    expect(decode("pull_request", opened)).toMatchObject({ trigger: { fork: true } });
  });

  it("a payload without the needed fields is a 400, not a crash", () => {
    expect(() => decode("push", { ref: 5 })).toThrow(expect.objectContaining({ httpStatus: 400 }));
  });
  it("a pull request number that is 0, negative or fractional is a 400: it would name a ref", () => {
    const opened = githubExamples("pull_request").find((e) => e.action === "opened") as Record<
      string,
      unknown
    >;
    for (const bad of [0, -3, 1.5]) {
      expect(() => decode("pull_request", { ...opened, number: bad })).toThrow(
        expect.objectContaining({ code: "REQUEST_INVALID", httpStatus: 400 }),
      );
    }
  });
});
