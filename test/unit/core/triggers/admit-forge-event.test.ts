import { describe, expect, it } from "vitest";
import type { RepoConfig, RepoTriggers } from "../../../../src/config/config.js";
import type { Build } from "../../../../src/core/build.js";
import type { BuildRequest } from "../../../../src/core/build-admission.js";
import type { BuildFilter } from "../../../../src/core/ports.js";
import { admitForgeEvent } from "../../../../src/core/triggers/admit-forge-event.js";
import type { BuildTrigger, ForgeEvent } from "../../../../src/core/triggers/trigger.js";
import { makeBuild } from "../../../fakes/make-build.js";

const SHA = "c".repeat(40);
const ref = { fullName: "acme/app", cloneUrls: [], projectId: null };

function repo(on: Partial<RepoTriggers>): RepoConfig {
  return {
    name: "app",
    on: { push: [], tags: [], pullRequest: false, schedules: [], ...on },
  } as unknown as RepoConfig;
}

const pushTrigger: Extract<BuildTrigger, { kind: "push" }> = {
  kind: "push",
  forge: "github",
  pusher: "Alice",
  pusherLogin: "alice",
  commits: [],
  totalCommits: 1,
  compareUrl: null,
  tag: false,
};

function push(
  refName: string,
  options: { tag?: boolean; message?: string } = {},
): Extract<ForgeEvent, { kind: "push" }> {
  const tag = options.tag ?? false;
  return {
    kind: "push",
    repo: ref,
    ref: refName,
    tag,
    sha: SHA,
    headMessage: options.message ?? "Fix it",
    trigger: { ...pushTrigger, tag },
  };
}

const pullRequest: Extract<ForgeEvent, { kind: "pull_request" }> = {
  kind: "pull_request",
  repo: ref,
  sha: SHA,
  headMessage: null,
  trigger: {
    kind: "pull_request",
    forge: "github",
    number: 7,
    title: "Add it",
    url: null,
    author: "bob",
    fork: true,
    headRef: "refs/pull/7/head",
    noun: "Pull request",
    reference: "#7",
  },
};

/** BuildService's three calls, recorded; the new build gets `nextId`, `queued` is the branch's queue. */
function service(nextId: number, queued: readonly Build[] = []) {
  const requests: BuildRequest[] = [];
  const superseded: [number, number][] = [];
  return {
    requests,
    superseded,
    async requestBuild(request: BuildRequest) {
      requests.push(request);
      return {
        build: makeBuild({ id: nextId, branch: request.branch ?? "main", status: "queued" }),
        duplicate: false,
      };
    },
    listBuilds(filter: BuildFilter) {
      return queued.filter((b) => b.branch === filter.branch && b.status === filter.status);
    },
    async supersede(old: Build, by: Build) {
      superseded.push([old.id, by.id]);
    },
  };
}

describe("admitForgeEvent", () => {
  it("builds a push to a branch the repo's on.push names, as the pusher, on behalf of the trigger", async () => {
    const s = service(5);
    const admission = await admitForgeEvent(s, repo({ push: ["main", "release/*"] }), push("release/2.0"));
    expect(admission).toMatchObject({ outcome: "built", build: { id: 5 }, superseded: [] });
    expect(s.requests).toEqual([
      {
        repo: "app",
        branch: "release/2.0",
        revision: SHA,
        user: { id: "github:alice", name: "alice" },
        channel: { id: "", name: "" },
        trigger: pushTrigger,
        again: true,
      },
    ]);
  });

  it("ignores, saying why, a push no glob names, a tag push without on.tags, a pull request without on.pull_request", async () => {
    const s = service(5);
    expect(await admitForgeEvent(s, repo({ push: ["main"] }), push("dev"))).toEqual({
      outcome: "ignored",
      why: "app is not built on push to branch dev",
    });
    expect(await admitForgeEvent(s, repo({ push: ["*"] }), push("v1.0", { tag: true }))).toEqual({
      outcome: "ignored",
      why: "app is not built on push to tag v1.0",
    });
    expect(await admitForgeEvent(s, repo({ push: ["*"] }), pullRequest)).toEqual({
      outcome: "ignored",
      why: "app does not build pull requests",
    });
    expect(s.requests).toEqual([]);
  });

  it("builds a tag on the 'branch' named by the tag, and a pull request on pull/<n>", async () => {
    const s = service(5);
    await admitForgeEvent(s, repo({ tags: ["v*"] }), push("v1.0", { tag: true }));
    await admitForgeEvent(s, repo({ pullRequest: true }), pullRequest);
    expect(s.requests.map((r) => [r.branch, r.user.id])).toEqual([
      ["v1.0", "github:alice"],
      ["pull/7", "github:bob"],
    ]);
  });

  it("ignores a head commit that says [skip ci], before asking for a build", async () => {
    const s = service(5);
    expect(
      await admitForgeEvent(s, repo({ push: ["main"] }), push("main", { message: "Docs\n\n[skip ci]" })),
    ).toEqual({
      outcome: "ignored",
      why: `the head commit ${SHA.slice(0, 10)} says [skip ci]`,
    });
    expect(s.requests).toEqual([]);
  });

  it("supersedes the branch's older builds still queued by the same kind of trigger, and only those", async () => {
    const queued = [
      makeBuild({ id: 2, branch: "main", status: "queued", trigger: pushTrigger }),
      makeBuild({ id: 3, branch: "main", status: "queued", trigger: { kind: "schedule", name: "nightly" } }),
      makeBuild({ id: 4, branch: "main", status: "queued", trigger: null }),
      makeBuild({ id: 6, branch: "main", status: "queued", trigger: pushTrigger }),
      makeBuild({ id: 1, branch: "main", status: "running", trigger: pushTrigger }),
    ];
    const s = service(5, queued);
    const admission = await admitForgeEvent(s, repo({ push: ["main"] }), push("main"));
    expect(admission).toMatchObject({ outcome: "built", superseded: [2] });
    expect(s.superseded).toEqual([[2, 5]]);
  });
});
