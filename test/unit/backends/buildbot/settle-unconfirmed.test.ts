import { describe, expect, it } from "vitest";
import type { BbBuildRequest } from "../../../../src/backends/buildbot/buildbot-types.js";
import { settleUnconfirmed } from "../../../../src/backends/buildbot/settle-unconfirmed.js";
import type { Tracked } from "../../../../src/backends/buildbot/tracked-build.js";

function tracked(): Tracked {
  return {
    repo: { name: "app", commands: ["make"] } as unknown as Tracked["repo"],
    createdAt: 0,
    buildrequestid: null,
    unconfirmedAt: 1_000,
    absentSince: null,
    state: { buildId: 7, status: "queued", steps: ["pending"], bbBuildId: null },
    chain: Promise.resolve(),
  };
}

const nothing = { request: null, build: null, steps: [] };

describe("settleUnconfirmed", () => {
  it("waits while the master answers without the build, and gives up after neverArrivedAfterMs", () => {
    const t = tracked();
    expect(settleUnconfirmed(7, t, nothing, 5_000, 60_000)).toEqual({ verdict: "waiting", events: [] });
    expect(settleUnconfirmed(7, t, nothing, 64_999, 60_000).verdict).toBe("waiting");
    const gone = settleUnconfirmed(7, t, nothing, 65_000, 60_000);
    expect(gone.verdict).toBe("never_arrived");
    expect(gone.events).toEqual([
      expect.objectContaining({ type: "finished", buildId: 7, status: "failed", at: 65_000 }),
    ]);
    expect(JSON.stringify(gone.events)).toContain("answered for 60s");
  });

  it("makes an ordinary build of it once the master shows its request, recording the ids", () => {
    const t = tracked();
    settleUnconfirmed(7, t, nothing, 5_000, 60_000);
    const request = { buildrequestid: 41, buildsetid: 40 } as BbBuildRequest;
    const seen = settleUnconfirmed(7, t, { ...nothing, request }, 6_000, 60_000);
    expect(seen).toEqual({
      verdict: "seen",
      events: [
        {
          type: "external",
          buildId: 7,
          at: 6_000,
          external: { unconfirmed_at: null, buildrequestid: 41, buildsetid: 40 },
        },
      ],
    });
    expect([t.unconfirmedAt, t.absentSince, t.buildrequestid]).toEqual([null, null, 41]);
  });
});
