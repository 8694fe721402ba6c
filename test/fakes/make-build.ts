import type { Build } from "../../src/core/build.js";
import type { NewBuild } from "../../src/core/ports.js";

/** A finished-looking Build with every field set; override what the test is about. */
export function makeBuild(overrides: Partial<Build> = {}): Build {
  return {
    id: 12,
    repo: "app",
    branch: "main",
    requestedRevision: null,
    sha: "0123456789abcdef0123456789abcdef01234567",
    requester: "alice",
    requesterId: "sfogyr3xkxwnrek8pk3yr9oudo",
    channelId: "1vrjnvgfygwwqc38hyf9sxmeco",
    channelName: "town-square",
    backend: "local",
    status: "running",
    createdAt: 1_000_000,
    startedAt: 1_010_000,
    finishedAt: null,
    failingStep: null,
    reason: null,
    rebuildOf: null,
    external: {},
    steps: [],
    ...overrides,
  };
}

/** What BuildStore.create takes: a build of app/main by alice in ~ci; override what the test is about. */
export function makeNewBuild(overrides: Partial<NewBuild> = {}): NewBuild {
  return {
    repo: "app",
    branch: "main",
    requestedRevision: null,
    requester: "alice",
    requesterId: "uid-alice",
    channelId: "c",
    channelName: "ci",
    backend: "local",
    rebuildOf: null,
    createdAt: 1000,
    ...overrides,
  };
}
