import { describe, expect, it } from "vitest";
import type { RepoConfig, RepoTriggers } from "../../../src/config/config.js";
import { pullHeadsRefspec } from "../../../src/git/host-refs.js";

function repo(on?: Partial<RepoTriggers>): RepoConfig {
  return {
    name: "app",
    ...(on ? { on: { push: [], tags: [], pullRequest: false, schedules: [], ...on } } : {}),
  } as unknown as RepoConfig;
}

describe("pullHeadsRefspec", () => {
  it("fetches the host's pull request heads into refs/pull/<n>/head, whatever the host calls them", () => {
    expect(pullHeadsRefspec(repo({ pullRequest: true }), () => "refs/pull/*/head")).toBe(
      "+refs/pull/*/head:refs/pull/*/head",
    );
    expect(pullHeadsRefspec(repo({ pullRequest: true }), () => "refs/merge-requests/*/head")).toBe(
      "+refs/merge-requests/*/head:refs/pull/*/head",
    );
  });

  it("fetches none for a repo that builds no pull requests, or has no host", () => {
    const asked: string[] = [];
    const heads = (r: RepoConfig) => {
      asked.push(r.name);
      return "refs/pull/*/head";
    };
    expect(pullHeadsRefspec(repo(), heads)).toBeNull();
    expect(pullHeadsRefspec(repo({ push: ["main"] }), heads)).toBeNull();
    expect(asked).toEqual([]);
    expect(pullHeadsRefspec(repo({ pullRequest: true }), () => null)).toBeNull();
  });
});
