import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Build } from "../../../src/core/build.js";
import type { BuildRequest } from "../../../src/core/build-admission.js";
import { Scheduler } from "../../../src/schedules/scheduler.js";
import { type Db, openDatabase } from "../../../src/store/open-database.js";
import { SqliteScheduleRuns } from "../../../src/store/sqlite-schedule-runs.js";
import { makeBuild } from "../../fakes/make-build.js";
import { SteppedClock } from "../../fakes/stepped-clock.js";
import { makeConfig } from "../../helpers/make-config.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const JAN1 = Date.UTC(2026, 0, 1);
const TIP = "0123456789abcdef0123456789abcdef01234567";

let dir: string;
let db: Db;
let scheduler: Scheduler | null = null;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "slashbuild-sched-"));
  db = openDatabase(path.join(dir, "slashbuild.db"));
});

afterEach(async () => {
  await scheduler?.stop();
  scheduler = null;
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function setup(onlyIfChanged: boolean, start: number) {
  const config = makeConfig({
    repos: {
      app: {
        url: "/nonexistent/app.git",
        commands: ["true"],
        on: {
          schedule: [
            {
              name: "nightly",
              cron: "0 3 * * *",
              branch: "main",
              timezone: "Europe/Berlin",
              only_if_changed: onlyIfChanged,
            },
          ],
        },
      },
    },
  });
  const time = new SteppedClock(start);
  const requests: { at: number; request: BuildRequest }[] = [];
  const builds: Build[] = [];
  let tip = TIP;
  const runs = new SqliteScheduleRuns(db);
  const make = () =>
    new Scheduler({
      config,
      service: {
        async requestBuild(request) {
          requests.push({ at: time.now, request });
          const build = makeBuild({ id: builds.length + 1, sha: request.revision, status: "succeeded" });
          builds.push(build);
          return { build, duplicate: false };
        },
        listBuilds: () => [...builds].reverse(),
      },
      tip: async () => tip,
      runs,
      clock: time.clock,
      sleep: time.sleep,
      logger: { info() {}, warn() {} },
    });
  return { time, requests, runs, make, setTip: (sha: string) => (tip = sha) };
}

describe("schedules", () => {
  it("fires at 03:00 Berlin time (02:00 UTC in winter) with requester schedule and the branch tip", async () => {
    const { time, requests, make } = setup(false, JAN1);
    scheduler = make();
    scheduler.start();
    await time.passUntil(() => requests.length === 2);
    expect(requests.map((r) => r.at)).toEqual([JAN1 + 2 * HOUR, JAN1 + DAY + 2 * HOUR]);
    expect(requests[0]?.request).toMatchObject({
      repo: "app",
      branch: "main",
      revision: TIP,
      user: { name: "schedule" },
      trigger: { kind: "schedule", name: "nightly" },
    });
  });

  it("only_if_changed: skips while the tip was already built, runs once it moves", async () => {
    const { time, requests, make, setTip } = setup(true, JAN1);
    scheduler = make();
    scheduler.start();
    await time.passUntil(() => requests.length === 1);
    // Two more days with the same tip, already built by #1: nothing.
    await time.passUntil(() => time.now >= JAN1 + 2 * DAY + 12 * HOUR);
    expect(requests).toHaveLength(1);
    setTip("fedcba9876543210fedcba9876543210fedcba98");
    await time.passUntil(() => requests.length === 2);
    expect(requests[1]).toMatchObject({
      at: JAN1 + 3 * DAY + 2 * HOUR,
      request: { revision: "fedcba9876543210fedcba9876543210fedcba98" },
    });
  });

  it("a schedule missed while down runs once at start-up, then keeps its rhythm", async () => {
    const start = JAN1 + 2 * DAY + 10 * HOUR;
    const { time, requests, runs, make } = setup(false, start);
    // Last fired on Jan 1st; the runs of Jan 2nd and 3rd were missed.
    runs.record("app", "nightly", JAN1 + 2 * HOUR);
    scheduler = make();
    scheduler.start();
    await time.passUntil(() => requests.length === 2);
    // Once at start-up (not once per missed run), then 02:00 UTC on Jan 4th.
    expect(requests.map((r) => r.at)).toEqual([start, JAN1 + 3 * DAY + 2 * HOUR]);
  });

  it("a first start runs nothing at once: the rhythm starts now", async () => {
    const { time, requests, make } = setup(false, JAN1 + 5 * HOUR);
    scheduler = make();
    scheduler.start();
    await time.passUntil(() => requests.length === 1);
    expect(requests[0]?.at).toBe(JAN1 + DAY + 2 * HOUR);
  });
});
