import { afterEach, describe, expect, it, vi } from "vitest";
import { SteppedClock } from "../../fakes/stepped-clock.js";
import { type ForgeApp, startForgeApp } from "../forges/forge-app.js";

/**
 * The scheduler as createApp wires it: croner's times on an injected virtual clock, the last runs
 * in the app's SQLite file, builds on the real embedded runner and posts to the fake Mattermost.
 * Every sleep the scheduler asks for is held until the test lets it pass, which moves the clock by
 * exactly that much: no real time passes and nothing is timed.
 */

const WAIT = { timeout: 30_000, interval: 50 };
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** 02:59 UTC: the nightly schedule fires a minute later. */
const START = Date.UTC(2026, 0, 10, 2, 59);
const NIGHTLY = { cron: "0 3 * * *", branch: "main", timezone: "UTC", name: "nightly-main" };

let env: ForgeApp | null = null;

afterEach(async () => {
  await env?.close();
  env = null;
});

function finishedBuilds(app: ForgeApp) {
  return app.app.service.listBuilds().filter((build) => build.finishedAt !== null);
}

describe("schedules in the running service (createApp)", () => {
  it("a schedule fires on the virtual clock, builds the branch tip, and the posts name the schedule", async () => {
    const time = new SteppedClock(START);
    env = await startForgeApp({ on: { schedule: [NIGHTLY] } }, {}, undefined, {
      clock: time.clock,
      sleep: time.sleep,
    });
    const tip = await env.repo.commit({ message: "nightly material" });
    expect(await time.asleep()).toBe(MINUTE);
    expect(env.app.service.listBuilds()).toEqual([]);

    await time.pass();
    const app = env;
    const [build] = await vi.waitFor(() => {
      const done = finishedBuilds(app);
      if (done.length === 0) throw new Error("no finished build yet");
      return done;
    }, WAIT);
    expect(build).toMatchObject({
      status: "succeeded",
      branch: "main",
      sha: tip,
      requester: "schedule",
      trigger: { kind: "schedule", name: "nightly-main" },
    });
    const posts = await vi.waitFor(() => {
      if (app.mattermost.posts.length < 2) throw new Error("posts not there yet");
      return JSON.stringify(app.mattermost.posts);
    }, WAIT);
    expect(posts).toContain("Schedule nightly-main");
    // Then it sleeps (an hour at a time, to notice a changed wall clock) until the next night, and
    // nothing else is built meanwhile.
    for (let hour = 0; hour < 23; hour++) await time.pass();
    expect(time.now).toBe(Date.UTC(2026, 0, 11, 2));
    await time.asleep();
    expect(app.app.service.listBuilds()).toHaveLength(1);
  });

  it("two fire times missed while slashbuild was down run once at start-up, then the rhythm resumes", async () => {
    const time = new SteppedClock(START);
    const first = await startForgeApp({ on: { schedule: [NIGHTLY] } }, {}, undefined, {
      clock: time.clock,
      sleep: time.sleep,
    });
    env = first;
    await time.pass();
    await vi.waitFor(() => expect(finishedBuilds(first)).toHaveLength(1), WAIT);
    await time.asleep();

    // Down from 03:00 on the 10th until 03:30 on the 12th: the 11th's and the 12th's runs are missed.
    await first.stopService();
    expect(time.waits).toEqual([]);
    time.now = Date.UTC(2026, 0, 12, 3, 30);
    const second = await startForgeApp({ on: { schedule: [NIGHTLY] } }, {}, first, {
      clock: time.clock,
      sleep: time.sleep,
    });
    env = second;
    await vi.waitFor(() => expect(finishedBuilds(second)).toHaveLength(2), WAIT);
    // Exactly one catch-up build; then asleep, and nothing more until 03:00 on the 13th.
    expect(await time.asleep()).toBe(HOUR);
    for (let hour = 0; hour < 23; hour++) await time.pass();
    expect(time.now).toBe(Date.UTC(2026, 0, 13, 2, 30));
    await time.asleep();
    const builds = second.app.service.listBuilds();
    expect(builds).toHaveLength(2);
    expect(builds.every((build) => build.trigger?.kind === "schedule")).toBe(true);
    expect(builds.map((build) => build.status)).toEqual(["succeeded", "succeeded"]);
    // The rhythm resumes: 03:00 on the 13th fires.
    await time.pass();
    await vi.waitFor(() => expect(finishedBuilds(second)).toHaveLength(3), WAIT);
  });
});
