import { describe, expect, it } from "vitest";
import type { BuildStatus } from "../../../src/core/build.js";
import { findDuplicate, type WantedBuild } from "../../../src/core/find-duplicate.js";
import { openDatabase } from "../../../src/store/open-database.js";
import { SqliteBuildStore } from "../../../src/store/sqlite-build-store.js";

/**
 * The duplicate check reads one build through an index instead of the whole queue of a branch
 * (issue 13). It must answer exactly what the pure rule (find-duplicate.ts) answers over every
 * unfinished build of the branch: checked here on a mixed queue, for every kind of request.
 */

const SHA_A = "abcdef0123456789abcdef0123456789abcdef01";
const SHA_B = "abc0000000000000000000000000000000000000";

function seeded() {
  const store = new SqliteBuildStore(openDatabase(":memory:"));
  const add = (
    branch: string,
    requestedRevision: string | null,
    status: BuildStatus,
    sha: string | null = null,
  ) => {
    const build = store.create({
      repo: "app",
      branch,
      requestedRevision,
      requester: "alice",
      requesterId: "uid-alice",
      channelId: "c",
      channelName: "ci",
      backend: "local",
      rebuildOf: null,
      createdAt: 1,
    });
    if (status !== "queued" || sha) store.update(build.id, { status, ...(sha ? { sha } : {}) });
    return build.id;
  };
  add("main", null, "queued");
  add("main", null, "running", SHA_A);
  add("main", null, "succeeded", SHA_B);
  add("main", "abcdef0", "queued");
  add("main", "abc", "queued");
  add("main", SHA_B, "failed");
  add("main", "abcdef0123", "running", SHA_A);
  add("main", "fedcba9", "queued");
  add("main", null, "queued");
  add("dev", "abcdef0", "queued");
  add("dev", null, "running", SHA_B);
  return store;
}

const REVISIONS = [
  null,
  "abc",
  "abcd",
  "abcdef0",
  "abcdef01",
  SHA_A,
  SHA_B,
  "abc0",
  "fedcba9",
  "fedcba98",
  "fed",
  "0123456",
  "ABCDEF0",
];

describe("newestSameUnfinished", () => {
  it("answers what find-duplicate's rule answers over the whole queue of the branch", () => {
    const store = seeded();
    let found = 0;
    for (const branch of ["main", "dev", "none"]) {
      for (const revision of REVISIONS) {
        const wanted: WantedBuild = { repo: "app", branch, revision: revision?.toLowerCase() ?? null };
        const expected = findDuplicate(store.unfinished({ repo: "app", branch }), wanted);
        const narrowed = store.newestSameUnfinished(wanted);
        expect(narrowed.length).toBeLessThanOrEqual(1);
        expect(findDuplicate(narrowed, wanted)?.id, `${branch} ${revision}`).toBe(expected?.id);
        if (expected) found++;
      }
    }
    // Not vacuous: most requests above do have a duplicate.
    expect(found).toBeGreaterThan(12);
  });

  it("finds the newest tip build among thousands queued, and a running build by its sha", () => {
    const store = seeded();
    let newest = 0;
    for (let i = 0; i < 2000; i++)
      newest = store.create({
        repo: "app",
        branch: "main",
        requestedRevision: i % 2 ? null : `${i.toString(16)}aa`,
        requester: "alice",
        requesterId: "uid-alice",
        channelId: "c",
        channelName: "ci",
        backend: "local",
        rebuildOf: null,
        createdAt: 1,
      }).id;
    expect(store.newestSameUnfinished({ repo: "app", branch: "main", revision: null })[0]?.id).toBe(newest);
    expect(
      store.newestSameUnfinished({ repo: "app", branch: "main", revision: SHA_A.slice(0, 12) })[0]?.sha,
    ).toBe(SHA_A);
  });
});
