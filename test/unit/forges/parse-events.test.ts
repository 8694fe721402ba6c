import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseGiteaEvent } from "../../../src/forges/gitea/parse-gitea-event.js";
import { parseGithubEvent } from "../../../src/forges/github/parse-github-event.js";
import { parseGitlabEvent } from "../../../src/forges/gitlab/parse-gitlab-event.js";
import { githubExamples } from "../../helpers/github-examples.js";

function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../../fixtures/forges/${name}`, import.meta.url), "utf8"));
}

describe("GitHub payloads (@octokit/webhooks-examples)", () => {
  it("a ping is a ping", () => {
    for (const example of githubExamples("ping")) expect(parseGithubEvent("ping", example).kind).toBe("ping");
  });

  it("a branch push builds its `after` sha, with pusher, commits and compare link", () => {
    const example = githubExamples("push").find((e) => e.ref === "refs/heads/master");
    const event = parseGithubEvent("push", example);
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
    const event = parseGithubEvent("push", { ...example, after: "f".repeat(40) });
    expect(event).toMatchObject({ kind: "push", tag: true, ref: "simple-tag", sha: commit });
    const gitea = fixture("gitea-push.json");
    const giteaHead =
      (gitea.head_commit as { id: string } | undefined)?.id ?? (gitea.commits as { id: string }[])[0]?.id;
    expect(
      parseGiteaEvent("push", {
        ...gitea,
        ref: "refs/tags/v1",
        after: "e".repeat(40),
        head_commit: { ...(gitea.commits as object[])[0] },
      }),
    ).toMatchObject({ tag: true, sha: giteaHead });
    // A branch push still builds `after`.
    expect(
      parseGithubEvent("push", { ...example, ref: "refs/heads/x", after: "f".repeat(40) }),
    ).toMatchObject({
      sha: "f".repeat(40),
    });
  });

  it("a tag delete (after = zeros) builds nothing", () => {
    const deleted = githubExamples("push").filter((e) => e.deleted === true);
    expect(deleted.length).toBeGreaterThan(0);
    for (const example of deleted) expect(parseGithubEvent("push", example).kind).toBe("ignored");
  });

  it("opened, synchronize and reopened build the head sha; other actions do not", () => {
    for (const example of githubExamples("pull_request")) {
      const event = parseGithubEvent("pull_request", example);
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
    expect(parseGithubEvent("pull_request", opened)).toMatchObject({ trigger: { fork: true } });
    opened.pull_request.head.repo = null;
    expect(parseGithubEvent("pull_request", opened)).toMatchObject({ trigger: { fork: true } });
  });

  it("a payload without the needed fields is a 400, not a crash", () => {
    expect(() => parseGithubEvent("push", { ref: 5 })).toThrow(expect.objectContaining({ httpStatus: 400 }));
  });
});

describe("Gitea / Forgejo payloads", () => {
  it("push: sha, compare_url, pusher login and commit authors", () => {
    expect(parseGiteaEvent("push", fixture("gitea-push.json"))).toMatchObject({
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
    expect(parseGiteaEvent("pull_request", fixture("gitea-pull_request.json"))).toMatchObject({
      kind: "pull_request",
      sha: "bffeb74224043ba2feb48d137756c8a9331c449a",
      trigger: { number: 7, title: "Add webhook docs", author: "alice", fork: true },
    });
  });

  it("a closed pull request builds nothing", () => {
    const closed = { ...fixture("gitea-pull_request.json"), action: "closed" };
    expect(parseGiteaEvent("pull_request", closed).kind).toBe("ignored");
  });
});

describe("GitLab payloads", () => {
  it("Push Hook builds checkout_sha and names the project by path and clone URLs", () => {
    const event = parseGitlabEvent("Push Hook", fixture("gitlab-push.json"));
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
    expect(parseGitlabEvent("Merge Request Hook", payload)).toMatchObject({
      kind: "pull_request",
      sha: "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
      trigger: { number: 1, title: "MS-Viewport", author: "root", fork: false },
    });
    const attributes = { ...(payload.object_attributes as object), oldrev: undefined };
    expect(parseGitlabEvent("Merge Request Hook", { ...payload, object_attributes: attributes }).kind).toBe(
      "ignored",
    );
  });
});

describe("pull request numbers name a ref: only positive whole numbers pass", () => {
  it("0, negative or fractional numbers are a 400 on every host", () => {
    const github = githubExamples("pull_request").find((e) => e.action === "opened") as Record<
      string,
      unknown
    >;
    const gitea = fixture("gitea-pull_request.json");
    const gitlab = fixture("gitlab-merge_request.json");
    for (const bad of [0, -3, 1.5]) {
      const invalid = expect.objectContaining({ code: "REQUEST_INVALID", httpStatus: 400 });
      expect(() => parseGithubEvent("pull_request", { ...github, number: bad })).toThrow(invalid);
      expect(() => parseGiteaEvent("pull_request", { ...gitea, number: bad })).toThrow(invalid);
      const attributes = { ...(gitlab.object_attributes as object), iid: bad };
      expect(() =>
        parseGitlabEvent("Merge Request Hook", { ...gitlab, object_attributes: attributes }),
      ).toThrow(invalid);
    }
  });
});
