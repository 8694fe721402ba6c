import type { BuildEvent } from "../../core/events.js";
import { CORRELATION_PROPERTY } from "./buildbot-properties.js";
import type { Observation } from "./map-build-state.js";
import type { Tracked } from "./tracked-build.js";

/**
 * For a build whose trigger was not confirmed: once the master shows it, it is an ordinary build
 * (its ids are recorded, so a restart finds it); while the master answers without it, count; after
 * `neverArrivedAfterMs` it never arrived. Says whether to go on applying the observation ("seen"),
 * wait, or stop tracking the build, and what to report.
 */
export function settleUnconfirmed(
  id: number,
  tracked: Tracked,
  seen: Observation,
  now: number,
  neverArrivedAfterMs: number,
): { readonly verdict: "seen" | "waiting" | "never_arrived"; readonly events: readonly BuildEvent[] } {
  const request = seen.request ?? null;
  if (request || seen.build) {
    tracked.unconfirmedAt = null;
    tracked.absentSince = null;
    const brid = request?.buildrequestid ?? seen.build?.buildrequestid ?? null;
    tracked.buildrequestid ??= brid;
    const external = {
      type: "external",
      buildId: id,
      at: now,
      external: {
        unconfirmed_at: null,
        ...(brid !== null ? { buildrequestid: brid } : {}),
        ...(request ? { buildsetid: request.buildsetid } : {}),
      },
    } as const;
    return { verdict: "seen", events: [external] };
  }
  tracked.absentSince ??= now;
  if (now - tracked.absentSince < neverArrivedAfterMs) return { verdict: "waiting", events: [] };
  const seconds = Math.round((now - tracked.absentSince) / 1000);
  const finished = {
    type: "finished",
    buildId: id,
    at: now,
    status: "failed",
    reason:
      `Buildbot never received this build: its master answered for ${seconds}s without any build request ` +
      `carrying ${CORRELATION_PROPERTY}=${id}, so nothing ran. Running /build again is safe.`,
  } as const;
  return { verdict: "never_arrived", events: [finished] };
}
