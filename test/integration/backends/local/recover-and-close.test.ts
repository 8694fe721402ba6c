import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { recordFileFor, recordStep } from "../../../../src/backends/local/step-records.js";
import { SlashbuildError } from "../../../../src/core/errors.js";
import { markedProcesses, markedSleeper, newMarker } from "../../../helpers/marked-processes.js";
import { processAlive } from "../../../helpers/process-alive.js";
import { waitFor } from "../../../helpers/service-process.js";
import { Harness } from "./harness.js";

const marker = newMarker();

describe("LocalBackend recover and close (real processes)", () => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  it("reports running builds interrupted and runs queued ones again, oldest first", async () => {
    h = await Harness.create({
      runnerConcurrency: 1,
      repos: { app: { commands: ['echo "$SLASHBUILD_BUILD_ID" >> "$OUT/order"'] } },
    });
    const running = h.newBuild("app", { status: "running", sha: await h.remote.sha("main") });
    const queuedFirst = h.newBuild("app");
    const queuedSecond = h.newBuild("app");
    const gone = h.newBuild("removed-repo");
    await mkdir(h.backend.workspaceFor(running.id), { recursive: true });
    // A finished build's workspace the last process had set aside and not finished removing.
    const retired = path.join(path.dirname(h.backend.workspaceFor(running.id)), ".retired-3-0a1b2c3d");
    await mkdir(path.join(retired, "src"), { recursive: true });

    await h.backend.recover([queuedSecond, running, gone, queuedFirst], h.config.repos);
    await h.backend.recovered();

    expect(h.events.of(running.id)).toEqual([
      expect.objectContaining({
        type: "finished",
        status: "interrupted",
        reason: "slashbuild restarted while this build was running",
      }),
    ]);
    expect(existsSync(h.backend.workspaceFor(running.id))).toBe(false);
    await waitFor("the set-aside workspace to be removed", () => !existsSync(retired));
    expect(await h.events.finished(gone.id)).toMatchObject({
      status: "failed",
      reason: "the repo removed-repo is no longer in the configuration",
    });
    expect((await h.events.finished(queuedFirst.id)).status).toBe("succeeded");
    expect((await h.events.finished(queuedSecond.id)).status).toBe("succeeded");
    expect(await h.readOut("order")).toBe(`${queuedFirst.id}\n${queuedSecond.id}\n`);
  });

  it("close() ends running builds and reports them interrupted itself, leaves waiting ones queued, and refuses new work", async () => {
    h = await Harness.create({
      runnerConcurrency: 1,
      repos: { app: { commands: [`${markedSleeper(marker)} & echo started > "$OUT/grandchild"; wait`] } },
    });
    const running = await h.start("app");
    const queued = await h.start("app");
    await h.waitForOut("grandchild");
    expect(markedProcesses(marker)).not.toEqual([]);

    await h.backend.close();

    expect(markedProcesses(marker)).toEqual([]);
    // The backend reports its own interrupted build, once its processes are gone (issue 19).
    expect(h.events.of(running.id).map((e) => e.type)).toEqual([
      "external",
      "started",
      "step_started",
      "finished",
    ]);
    expect(h.events.of(running.id).at(-1)).toMatchObject({
      status: "interrupted",
      reason: "slashbuild was shut down while this build was running",
    });
    // Left `queued` in the store: the next start's recover() runs it.
    expect(h.events.of(queued.id)).toEqual([]);
    expect(existsSync(h.backend.workspaceFor(running.id))).toBe(false);
    const refused = await h.backend.start(h.newBuild("app"), h.repo("app")).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(SlashbuildError);
    expect((refused as SlashbuildError).code).toBe("BACKEND_UNAVAILABLE");
  });
});

describe("LocalBackend recovery of groups a crash left running (unsandboxed)", () => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  it("ends them in parallel, keeps their records until they are gone, and queues new builds behind it", async () => {
    h = await Harness.create({
      runnerConcurrency: 2,
      runner: { sandbox: "none" },
      repos: { app: { commands: ['echo "$SLASHBUILD_BUILD_ID" >> "$OUT/ran"'] } },
      backend: { killGraceMs: 600_000 },
    });
    // What a crashed slashbuild left: two builds' process groups that ignore SIGTERM, recorded.
    const running = [h.newBuild("app", { status: "running" }), h.newBuild("app", { status: "running" })];
    const pgids: number[] = [];
    for (const build of running) {
      const workspace = h.backend.workspaceFor(build.id);
      await mkdir(workspace, { recursive: true });
      const child = spawn(
        "sh",
        [
          "-c",
          `trap 'echo term > "${h.out}/term-${build.id}"' TERM; echo ready > "${h.out}/ready-${build.id}"; while :; do sleep 0.1; done; : ${marker}`,
        ],
        { cwd: workspace, detached: true, stdio: "ignore" },
      );
      child.unref();
      if (child.pid === undefined) throw new Error("no pid");
      pgids.push(child.pid);
      await recordStep(workspace, { kind: "group", pgid: child.pid });
      await h.waitForOut(`ready-${build.id}`);
    }

    await h.backend.recover(running, h.config.repos);
    // recover() returned while both groups are still being ended: the service can listen meanwhile.
    await Promise.all(running.map((build) => h.waitForOut(`term-${build.id}`)));
    // Both got SIGTERM and both are still alive: in parallel, not one grace period after another.
    expect(pgids.every((pgid) => processAlive(pgid))).toBe(true);
    expect(running.every((build) => existsSync(recordFileFor(h.backend.workspaceFor(build.id))))).toBe(true);
    expect(running.flatMap((build) => h.events.of(build.id))).toEqual([]);
    const later = await h.start("app");
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(h.events.of(later.id)).toEqual([]);
    expect(h.outExists("ran")).toBe(false);

    for (const pgid of pgids) process.kill(-pgid, "SIGKILL"); // what the end of the grace would do
    await h.backend.recovered();
    for (const build of running) {
      expect(h.events.of(build.id)).toEqual([
        expect.objectContaining({ type: "finished", status: "interrupted" }),
      ]);
      expect(existsSync(recordFileFor(h.backend.workspaceFor(build.id)))).toBe(false);
    }
    expect((await h.events.finished(later.id)).status).toBe("succeeded");
  });
});
