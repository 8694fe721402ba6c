import type { BuildbotClient } from "./buildbot-client.js";
import { CORRELATION_PROPERTY } from "./buildbot-properties.js";
import { type BbBuild, type BbBuildRequest, propertyOf } from "./buildbot-types.js";
import type { Observation } from "./map-build-state.js";
import type { Tracked } from "./tracked-build.js";

/**
 * Which Buildbot build is which of slashbuild's: by build request id where the trigger answered
 * one, else by the correlation property slashbuild gives every build (the change hook answers no
 * ids), within a plausible time.
 */

/** How far back change-hook correlation looks among the master's newest builds. */
const RECENT_BUILDS = 100;
/** Tolerated clock difference between slashbuild and the master when matching by property. */
const CLOCK_SLACK_S = 120;

/** Push → tracked build: by build request id, else by the correlation property (change hook). */
export function correlate(tracked: ReadonlyMap<number, Tracked>, build: BbBuild): number | null {
  for (const [id, one] of tracked) {
    if (one.buildrequestid === build.buildrequestid) return id;
  }
  const id = Number(propertyOf(build, CORRELATION_PROPERTY));
  const one = Number.isInteger(id) ? tracked.get(id) : undefined;
  if (!one || !plausible(one, build)) return null;
  return id;
}

/**
 * A property match only counts for a build that has no request id yet and for a Buildbot build
 * not older than it: an old Buildbot build from a previous slashbuild database with the same id
 * must not be taken for this one.
 */
function plausible(tracked: Tracked, build: BbBuild): boolean {
  if (tracked.buildrequestid !== null && tracked.buildrequestid !== build.buildrequestid) return false;
  return build.started_at == null || build.started_at >= tracked.createdAt / 1000 - CLOCK_SLACK_S;
}

/** What the master shows of a tracked build now: its request, its newest build and that build's steps. */
export async function observeOnMaster(
  client: BuildbotClient,
  tracked: Tracked,
  pushed?: BbBuild,
): Promise<Observation> {
  let brid = tracked.buildrequestid ?? (pushed ? pushed.buildrequestid : null);
  if (brid === null) brid = (await findByProperty(client, tracked))?.buildrequestid ?? null;
  // A force that was not confirmed may wait as a request no worker took yet: look there too.
  if (brid === null && tracked.unconfirmedAt !== null)
    brid = (await findRequestByProperty(client, tracked))?.buildrequestid ?? null;
  if (brid === null) return { request: null, build: null, steps: [] };
  const [request, builds] = await Promise.all([client.buildRequest(brid), client.buildsForRequest(brid)]);
  const build = builds.at(-1) ?? null;
  const steps = build ? await client.steps(build.buildid) : [];
  return { request, build, steps };
}

/** Change-hook builds answer no ids: look for the correlation property among recent builds. */
async function findByProperty(client: BuildbotClient, tracked: Tracked): Promise<BbBuild | null> {
  const recent = await client.recentBuilds(RECENT_BUILDS, CORRELATION_PROPERTY);
  const id = String(tracked.state.buildId);
  const matches = recent.filter((b) => propertyOf(b, CORRELATION_PROPERTY) === id && plausible(tracked, b));
  return matches.sort((a, b) => a.buildid - b.buildid)[0] ?? null;
}

async function findRequestByProperty(
  client: BuildbotClient,
  tracked: Tracked,
): Promise<BbBuildRequest | null> {
  const recent = await client.recentBuildRequests(RECENT_BUILDS, CORRELATION_PROPERTY);
  const id = String(tracked.state.buildId);
  const matches = recent.filter(
    (r) =>
      propertyOf(r, CORRELATION_PROPERTY) === id &&
      (r.submitted_at == null || r.submitted_at >= tracked.createdAt / 1000 - CLOCK_SLACK_S),
  );
  return matches.sort((a, b) => a.buildrequestid - b.buildrequestid)[0] ?? null;
}
