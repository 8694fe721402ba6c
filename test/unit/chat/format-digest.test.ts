import { describe, expect, it } from "vitest";
import { MAX_POST_RUNES } from "../../../src/chat/mattermost/format-build-message.js";
import { formatDigest } from "../../../src/chat/mattermost/format-digest.js";
import { makeBuild } from "../../fakes/make-build.js";

const options = {
  publicUrl: "https://ci.example.com",
  secrets: () => ["s3cret"],
  window: { from: Date.UTC(2026, 0, 1, 10, 0), to: Date.UTC(2026, 0, 1, 10, 1), outage: true },
  channel: "ci",
};

describe("formatDigest", () => {
  it("splits a long backlog into posts within Mattermost's limit, each build once and in order", () => {
    const builds = Array.from({ length: 1000 }, (_, i) =>
      makeBuild({
        id: i + 1,
        status: i % 3 === 0 ? "failed" : "succeeded",
        branch: `feature/${"x".repeat(40)}`,
      }),
    );
    const posts = formatDigest(builds, options);
    expect(posts.length).toBeGreaterThan(1);
    for (const post of posts) {
      expect(Array.from(post.payload.text ?? "").length).toBeLessThanOrEqual(MAX_POST_RUNES);
      expect(post.payload.channel).toBe("ci");
    }
    expect(posts.flatMap((p) => p.buildIds)).toEqual(builds.map((b) => b.id));
    expect(posts[0]?.payload.text).toMatch(
      /^While Mattermost could not be reached \(posts waiting since 2026-01-01 10:00 UTC\), 1000 builds finished \(334 not successful\): \(1\/\d\)/,
    );
  });

  it("mentions the requester of a failure, names the one of a success, masks secrets, keeps text inert", () => {
    const [post] = formatDigest(
      [
        makeBuild({ id: 1, status: "failed", requester: "bob" }),
        makeBuild({ id: 2, status: "succeeded", requester: "carol", branch: "s3cret-*bold*" }),
      ],
      { ...options, window: { ...options.window, outage: false } },
    );
    const lines = post?.payload.text?.split("\n") ?? [];
    expect(lines[0]).toBe(
      "2 builds finished (1 not successful) between 2026-01-01 10:00 and 2026-01-01 10:01 UTC:",
    );
    expect(lines[1]).toBe("- **failed** [#1](https://ci.example.com/builds/1) app main, requested by @bob");
    expect(lines[2]).toBe(
      "- **succeeded** [#2](https://ci.example.com/builds/2) app \\*\\*\\*\\*-\\*bold\\*, requested by carol",
    );
  });

  it("pings the people behind a pushed failure too, as its own post would, and only on failure", () => {
    const people = (build: { id: number }) => (build.id === 1 ? ["dave.mm", "octocat", "s3cret"] : ["erin"]);
    const [post] = formatDigest(
      [
        makeBuild({ id: 1, status: "failed", requester: "octocat" }),
        makeBuild({ id: 2, status: "succeeded", requester: "octocat" }),
      ],
      { ...options, people },
    );
    const lines = post?.payload.text?.split("\n") ?? [];
    expect(lines[1]).toBe(
      "- **failed** [#1](https://ci.example.com/builds/1) app main, requested by @octocat; pushed by @dave.mm, @\u200b\\*\\*\\*\\*",
    );
    expect(lines[2]).toBe(
      "- **succeeded** [#2](https://ci.example.com/builds/2) app main, requested by octocat",
    );
  });
});
