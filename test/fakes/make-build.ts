import type { Build } from "../../src/core/build.js";

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
