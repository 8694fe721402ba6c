import { existsSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { Harness, processAlive } from "./harness.js";

/** A step whose shell backgrounds a grandchild `sleep`, records its pid, and waits for it. */
const SLEEPER = 'sleep 300 & echo $! > "$OUT/grandchild"; wait';
/** The same, but the shell and the sleep ignore SIGTERM: only SIGKILL ends them. */
const STUBBORN = 'trap "" TERM; sleep 300 & echo $! > "$OUT/grandchild"; wait; wait';

describe("LocalBackend stop and timeout (real processes)", () => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  it("times out a build: timed_out naming the step, and its whole process group is gone", async () => {
    h = await Harness.create({
      repos: { app: { commands: ["echo ok", SLEEPER, 'touch "$OUT/never"'], timeout: 4 } },
    });
    const build = await h.start("app");
    const finished = await h.events.finished(build.id);
    const grandchild = Number(await h.readOut("grandchild"));

    expect(finished).toMatchObject({ status: "timed_out", failingStep: SLEEPER });
    expect(h.events.of(build.id).find((e) => e.type === "step_finished" && e.index === 1)).toMatchObject({
      status: "timed_out",
    });
    expect(processAlive(grandchild)).toBe(false);
    expect(h.outExists("never")).toBe(false);
    expect(existsSync(h.backend.workspaceFor(build.id))).toBe(false);
  });

  it("stops a running build: cancelled, grandchild killed, workspace removed", async () => {
    h = await Harness.create({ repos: { app: { commands: [SLEEPER, 'touch "$OUT/never"'] } } });
    const build = await h.start("app");
    const grandchild = Number(await h.waitForOut("grandchild"));
    expect(processAlive(grandchild)).toBe(true);

    await h.backend.stop(build, h.repo("app"), "bob");
    // stop() resolves once the build has been reported.
    const finished = h.events.of(build.id).find((e) => e.type === "finished");
    expect(finished).toMatchObject({ status: "cancelled", reason: "stopped by @bob" });
    expect(h.events.of(build.id).find((e) => e.type === "step_finished")).toMatchObject({
      index: 0,
      status: "cancelled",
    });
    expect(processAlive(grandchild)).toBe(false);
    expect(h.outExists("never")).toBe(false);
    expect(existsSync(h.backend.workspaceFor(build.id))).toBe(false);
  });

  it("escalates to SIGKILL when the step ignores SIGTERM", async () => {
    h = await Harness.create({ repos: { app: { commands: [STUBBORN] } } });
    const build = await h.start("app");
    const grandchild = Number(await h.waitForOut("grandchild"));
    await h.backend.stop(build, h.repo("app"), "bob");
    expect((await h.events.finished(build.id)).status).toBe("cancelled");
    expect(processAlive(grandchild)).toBe(false);
  });

  it("ends processes a step left running in the background once the step's shell exits", async () => {
    h = await Harness.create({
      repos: { app: { commands: ['sleep 300 > /dev/null 2>&1 & echo $! > "$OUT/grandchild"'] } },
    });
    const finished = await h.run("app");
    expect(finished.status).toBe("succeeded");
    expect(processAlive(Number(await h.readOut("grandchild")))).toBe(false);
  });

  it("stops a queued build without running anything", async () => {
    h = await Harness.create({
      runnerConcurrency: 1,
      repos: {
        app: { commands: [SLEEPER] },
        other: { commands: ['touch "$OUT/other-ran"'] },
        third: { commands: ['touch "$OUT/third-ran"'] },
      },
    });
    const running = await h.start("app");
    await h.waitForOut("grandchild");
    const queued = await h.start("other");
    const third = await h.start("third");

    await h.backend.stop(queued, h.repo("other"), "bob");
    expect(h.events.of(queued.id)).toEqual([
      expect.objectContaining({
        type: "finished",
        status: "cancelled",
        reason: "stopped by @bob before it started",
      }),
    ]);

    await h.backend.stop(running, h.repo("app"), "bob");
    expect((await h.events.finished(running.id)).status).toBe("cancelled");
    // The stopped build is gone for good: the build queued after it runs, and it never does.
    expect((await h.events.finished(third.id)).status).toBe("succeeded");
    expect(h.outExists("third-ran")).toBe(true);
    expect(h.outExists("other-ran")).toBe(false);
    expect(h.events.of(queued.id)).toHaveLength(1);
  });
});
