import { existsSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { markedProcesses, markedSleeper, newMarker } from "../../../helpers/marked-processes.js";
import { Harness } from "./harness.js";

/*
 * Builds run in a sandbox with a PID namespace of their own, so the pids they could report mean
 * nothing out here: their processes are found by a marker in their command line instead.
 */
const marker = newMarker();
const alive = (): boolean => markedProcesses(marker).length > 0;

/** A step whose shell backgrounds a marked grandchild, says so, and waits for it. */
const SLEEPER = `${markedSleeper(marker)} & echo started > "$OUT/grandchild"; wait`;
/** The same, but the shell and the grandchild ignore SIGTERM: only SIGKILL ends them. */
const STUBBORN = `trap "" TERM; ${markedSleeper(marker)} & echo started > "$OUT/grandchild"; wait; wait`;
const SETSID = `setsid sh -c 'touch escaped; sleep 300; true' ${marker} > /dev/null 2>&1`;
/** It writes `escaped` once it runs in its own session (out of the step's process group). */
const UNTIL_ESCAPED = "while [ ! -e escaped ]; do sleep 0.05; done";
/** A grandchild in a session of its own: out of the step's process group, not out of its sandbox. */
const ESCAPER = `${SETSID} & ${UNTIL_ESCAPED}; echo started > "$OUT/grandchild"; sleep 300`;

describe("LocalBackend stop and timeout (real processes)", () => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  it("times out a build: timed_out naming the step, and its whole process group is gone", async () => {
    h = await Harness.create({
      repos: { app: { commands: ["echo ok", SLEEPER, 'touch "$OUT/never"'], timeout: 10 } },
    });
    const build = await h.start("app");
    const finished = await h.events.finished(build.id);
    expect(await h.readOut("grandchild")).toBe("started\n");

    expect(finished).toMatchObject({ status: "timed_out", failingStep: SLEEPER });
    expect(h.events.of(build.id).find((e) => e.type === "step_finished" && e.index === 1)).toMatchObject({
      status: "timed_out",
    });
    expect(alive()).toBe(false);
    expect(h.outExists("never")).toBe(false);
    expect(existsSync(h.backend.workspaceFor(build.id))).toBe(false);
  });

  it("stops a running build: cancelled, grandchild killed, workspace removed", async () => {
    h = await Harness.create({ repos: { app: { commands: [SLEEPER, 'touch "$OUT/never"'] } } });
    const build = await h.start("app");
    await h.waitForOut("grandchild");
    expect(alive()).toBe(true);

    await h.backend.stop(build, h.repo("app"), "bob");
    // stop() resolves once the build has been reported.
    const finished = h.events.of(build.id).find((e) => e.type === "finished");
    expect(finished).toMatchObject({ status: "cancelled", reason: "stopped by @bob" });
    expect(h.events.of(build.id).find((e) => e.type === "step_finished")).toMatchObject({
      index: 0,
      status: "cancelled",
    });
    expect(alive()).toBe(false);
    expect(h.outExists("never")).toBe(false);
    expect(existsSync(h.backend.workspaceFor(build.id))).toBe(false);
  });

  it.each([
    ["escalates to SIGKILL when the step ignores SIGTERM", STUBBORN],
    ["ends a setsid grandchild when the build is stopped", ESCAPER],
  ])("%s", async (_title, command) => {
    h = await Harness.create({ repos: { app: { commands: [command] } } });
    const build = await h.start("app");
    await h.waitForOut("grandchild");
    expect(alive()).toBe(true);
    await h.backend.stop(build, h.repo("app"), "bob");
    expect((await h.events.finished(build.id)).status).toBe("cancelled");
    expect(alive()).toBe(false);
  });

  it("ends a setsid grandchild when the build times out", async () => {
    h = await Harness.create({ repos: { app: { commands: [ESCAPER], timeout: 10 } } });
    const build = await h.start("app");
    await h.waitForOut("grandchild");
    expect((await h.events.finished(build.id)).status).toBe("timed_out");
    expect(alive()).toBe(false);
  });

  it("ends a setsid grandchild when slashbuild shuts down", async () => {
    h = await Harness.create({ repos: { app: { commands: [ESCAPER] } } });
    await h.start("app");
    await h.waitForOut("grandchild");
    expect(alive()).toBe(true);
    await h.backend.close();
    expect(alive()).toBe(false);
  });

  it("ends a setsid grandchild when its step's shell exits", async () => {
    h = await Harness.create({
      repos: {
        app: {
          commands: [`${SETSID} & ${UNTIL_ESCAPED}; echo started > "$OUT/grandchild"`],
        },
      },
    });
    expect((await h.run("app")).status).toBe("succeeded");
    expect(await h.readOut("grandchild")).toBe("started\n");
    expect(alive()).toBe(false);
  });

  it("ends processes a step left running in the background once the step's shell exits", async () => {
    h = await Harness.create({
      repos: {
        app: { commands: [`${markedSleeper(marker)} > /dev/null 2>&1 & echo started > "$OUT/grandchild"`] },
      },
    });
    const finished = await h.run("app");
    expect(finished.status).toBe("succeeded");
    expect(await h.readOut("grandchild")).toBe("started\n");
    expect(alive()).toBe(false);
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
