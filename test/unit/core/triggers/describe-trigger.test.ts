import { describe, expect, it } from "vitest";
import { commitFromTrigger } from "../../../../src/core/commit-summary.js";
import { describeTrigger, type TriggerPart } from "../../../../src/core/triggers/describe-trigger.js";
import type { BuildTrigger } from "../../../../src/core/triggers/trigger.js";
import { makeBuild } from "../../../fakes/make-build.js";

const SHA = "0123456789abcdef0123456789abcdef01234567";

/** The parts as a person would read them in plain text. */
function triggerText(parts: readonly TriggerPart[]): string {
  return parts
    .map((part) =>
      part.kind === "user"
        ? `@${part.name}`
        : part.kind === "channel"
          ? `~${part.name}`
          : part.kind === "build"
            ? `#${part.id}`
            : part.text,
    )
    .join("");
}
const said = (overrides: Parameters<typeof makeBuild>[0]) =>
  triggerText(describeTrigger(makeBuild(overrides)));

const push: BuildTrigger = {
  kind: "push",
  forge: "github",
  pusher: "Alice Doe",
  pusherLogin: "alice",
  commits: [{ sha: SHA, title: "Fix the login form", authorName: "Bob", authorEmail: null }],
  totalCommits: 1,
  compareUrl: "https://github.com/o/r/compare/a...b",
  tag: false,
};

describe("describeTrigger", () => {
  it("says where a typed build was asked, and by whom", () => {
    expect(said({ requester: "alice", channelName: "ci" })).toBe("Typed in ~ci by @alice");
    expect(said({ requester: "alice", channelName: "" })).toBe("Typed by @alice");
  });

  it("names the build a rebuild repeats, and where it was asked (a web rebuild on the web)", () => {
    expect(said({ rebuildOf: 7, channelId: "web", channelName: "web" })).toBe(
      "Rebuild of #7, asked on the web by @alice",
    );
    expect(said({ rebuildOf: 7, channelName: "ci" })).toBe("Rebuild of #7, asked in ~ci by @alice");
    expect(describeTrigger(makeBuild({ rebuildOf: 7 }))).toContainEqual({ kind: "build", id: 7 });
  });

  it("says who pushed, how many commits, and links the comparison", () => {
    const parts = describeTrigger(makeBuild({ trigger: push, channelName: "" }));
    expect(triggerText(parts)).toBe("Pushed by Alice Doe (1 commit) · compare");
    expect(parts).toContainEqual({ kind: "link", text: "compare", url: push.compareUrl });
    expect(said({ trigger: { ...push, tag: true, totalCommits: 0, compareUrl: null } })).toBe(
      "Tag pushed by Alice Doe",
    );
  });

  it("names a pull request by its number and title, linked, and says when it came from a fork", () => {
    const pr: BuildTrigger = {
      kind: "pull_request",
      forge: "gitlab",
      number: 3,
      title: "Add badges",
      url: "https://gitlab.example.com/o/r/-/merge_requests/3",
      author: "carol",
      fork: true,
      headRef: "refs/merge-requests/3/head",
      noun: "Merge request",
      reference: "!3",
    };
    const parts = describeTrigger(makeBuild({ trigger: pr }));
    expect(triggerText(parts)).toBe(
      "Merge request !3 Add badges by carol (from a fork: built without the repo's secrets)",
    );
    expect(parts).toContainEqual({ kind: "link", text: "!3 Add badges", url: pr.url });
  });

  it("links only http(s) addresses from a payload", () => {
    const parts = describeTrigger(makeBuild({ trigger: { ...push, compareUrl: "javascript:alert(1)" } }));
    expect(parts.some((part) => part.kind === "link")).toBe(false);
  });

  it("names a schedule", () => {
    expect(said({ trigger: { kind: "schedule", name: "nightly" } })).toBe("Schedule nightly");
  });
});

describe("commitFromTrigger", () => {
  it("takes the title and author from the push only when it names the commit built", () => {
    expect(commitFromTrigger(makeBuild({ sha: SHA, trigger: push }))).toEqual({
      title: "Fix the login form",
      author: "Bob",
    });
    expect(commitFromTrigger(makeBuild({ sha: "f".repeat(40), trigger: push }))).toBeNull();
    expect(commitFromTrigger(makeBuild({ sha: SHA }))).toBeNull();
  });
});
