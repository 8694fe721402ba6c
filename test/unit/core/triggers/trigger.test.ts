import { describe, expect, it } from "vitest";
import {
  type BuildTrigger,
  firstLine,
  skipsCi,
  triggerRequester,
  withholdsSecrets,
} from "../../../../src/core/triggers/trigger.js";

const push: BuildTrigger = {
  kind: "push",
  forge: "github",
  pusher: "Alice Example",
  pusherLogin: "alice",
  commits: [],
  totalCommits: 1,
  compareUrl: null,
  tag: false,
};

function pullRequest(fork: boolean): BuildTrigger {
  return {
    kind: "pull_request",
    forge: "gitea",
    number: 7,
    title: "Fix it",
    url: null,
    author: "mallory",
    fork,
    headRef: "refs/pull/7/head",
    noun: "Pull request",
    reference: "#7",
  };
}

describe("triggers", () => {
  it("withhold the repo's secrets from a pull request from a fork, and only from that", () => {
    expect(withholdsSecrets(pullRequest(true))).toBe(true);
    expect(withholdsSecrets(pullRequest(false))).toBe(false);
    expect(withholdsSecrets(push)).toBe(false);
    expect(withholdsSecrets({ kind: "schedule", name: "nightly" })).toBe(false);
    expect(withholdsSecrets(null)).toBe(false);
    expect(withholdsSecrets(undefined)).toBe(false);
  });

  it("skip CI on the markers the hosts' own CI honours, in any case, anywhere in the message", () => {
    for (const message of [
      "Fix [skip ci]",
      "[CI SKIP] docs",
      "wip\n\n[no ci]",
      "x [Skip Actions]",
      "[actions skip]",
    ])
      expect([message, skipsCi(message)]).toEqual([message, true]);
    for (const message of ["skip ci", "[skip-ci]", "Fix the CI", ""])
      expect([message, skipsCi(message)]).toEqual([message, false]);
    expect(skipsCi(null)).toBe(false);
  });

  it("take a message's first line, trimmed", () => {
    expect(firstLine("  Fix the build  \n\nBecause.")).toBe("Fix the build");
    expect(firstLine("")).toBe("");
  });

  it("name their requester with the host's login, in an id no Mattermost user id can equal", () => {
    expect(triggerRequester(push)).toEqual({ name: "alice", id: "github:alice" });
    expect(triggerRequester({ ...push, pusherLogin: null })).toEqual({
      name: "Alice Example",
      id: "github:Alice Example",
    });
    expect(triggerRequester(pullRequest(true))).toEqual({ name: "mallory", id: "gitea:mallory" });
    expect(triggerRequester({ kind: "schedule", name: "nightly" })).toEqual({
      name: "schedule",
      id: "schedule",
    });
    // Mattermost ids are 26 lower-case letters and digits: a prefixed id never is one.
    for (const trigger of [push, pullRequest(false)])
      expect(triggerRequester(trigger).id).not.toMatch(/^[a-z0-9]{26}$/);
  });
});
