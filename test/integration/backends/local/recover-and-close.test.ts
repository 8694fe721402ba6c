import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { afterEach, describe, expect, it } from "vitest";
import { SlashbuildError } from "../../../../src/core/errors.js";
import { markedProcesses, markedSleeper, newMarker } from "../../../helpers/marked-processes.js";
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
    expect(await h.events.finished(gone.id)).toMatchObject({
      status: "failed",
      reason: "the repo removed-repo is no longer in the configuration",
    });
    expect((await h.events.finished(queuedFirst.id)).status).toBe("succeeded");
    expect((await h.events.finished(queuedSecond.id)).status).toBe("succeeded");
    expect(await h.readOut("order")).toBe(`${queuedFirst.id}\n${queuedSecond.id}\n`);
  });

  it("close() kills running builds without reporting them, and refuses new work", async () => {
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
    // Left `running` (and `queued`) in the store: the next start's recover() reports them truthfully.
    expect(h.events.of(running.id).map((e) => e.type)).toEqual(["external", "started", "step_started"]);
    expect(h.events.of(queued.id)).toEqual([]);
    expect(existsSync(h.backend.workspaceFor(running.id))).toBe(false);
    const refused = await h.backend.start(h.newBuild("app"), h.repo("app")).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(SlashbuildError);
    expect((refused as SlashbuildError).code).toBe("BACKEND_UNAVAILABLE");
  });
});
