import { describe, expect, it } from "vitest";
import type { Build } from "../../../src/core/build.js";
import { BuildService } from "../../../src/core/build-service.js";
import { SlashbuildError } from "../../../src/core/errors.js";
import { EventBacklog, FIRST_RETRY_MS, MAX_RETRY_MS } from "../../../src/core/event-backlog.js";
import type { BuildEvent } from "../../../src/core/events.js";
import type { StatusNotifier } from "../../../src/core/ports.js";
import { openDatabase } from "../../../src/store/open-database.js";
import { SqliteBuildStore } from "../../../src/store/sqlite-build-store.js";
import { RecordingBackend } from "../../fakes/recording-backend.js";
import { requestNew } from "../../fakes/request-new.js";
import { makeConfig } from "../../helpers/make-config.js";

const full = () =>
  new SlashbuildError("STORAGE_FULL", "slashbuild cannot store builds: its disk is full; tell the admin.");

/** A timer the test fires by hand, recording each delay asked for. */
class ManualTimer {
  readonly delays: number[] = [];
  #work: (() => void) | null = null;
  readonly schedule = (work: () => void, delayMs: number) => {
    this.delays.push(delayMs);
    this.#work = work;
    return () => {
      this.#work = null;
    };
  };
  get armed(): boolean {
    return this.#work !== null;
  }
  fire(): void {
    const work = this.#work;
    this.#work = null;
    work?.();
  }
}

const at = (type: BuildEvent["type"], buildId: number, index = 0): BuildEvent =>
  type === "finished"
    ? { type, buildId, at: 1, status: "succeeded" }
    : type === "step_finished"
      ? { type, buildId, at: 1, index, status: "succeeded", exitCode: 0 }
      : type === "step_started"
        ? { type, buildId, at: 1, index }
        : { type: "external", buildId, at: 1, external: {} };

describe("EventBacklog", () => {
  it("holds a build's events in order behind the first one a full disk refused, and stores them once it can", () => {
    const timer = new ManualTimer();
    let diskFull = true;
    const stored: string[] = [];
    const tried: string[] = [];
    const held: string[] = [];
    const backlog = new EventBacklog({
      schedule: timer.schedule,
      onHeld: (event) => held.push(`${event.type} #${event.buildId}`),
      apply: (event) => {
        tried.push(`${event.type} #${event.buildId}`);
        if (diskFull) throw full();
        stored.push(`${event.type} #${event.buildId}`);
      },
    });
    backlog.submit(at("step_finished", 1));
    // Later events of #1 are not even tried before the first: they could otherwise overtake it.
    backlog.submit(at("finished", 1));
    expect(tried).toEqual(["step_finished #1"]);
    expect(held).toEqual(["step_finished #1"]);
    expect(backlog.size).toBe(2);
    expect(timer.delays).toEqual([FIRST_RETRY_MS]);

    // Still full at the retry: the wait doubles, nothing is lost.
    timer.fire();
    expect(backlog.size).toBe(2);
    expect(timer.delays).toEqual([FIRST_RETRY_MS, 2 * FIRST_RETRY_MS]);

    // Another build's event goes on by itself once there is room; #1's still wait for their retry.
    diskFull = false;
    backlog.submit(at("finished", 2));
    expect(stored).toEqual(["finished #2"]);
    timer.fire();
    expect(stored).toEqual(["finished #2", "step_finished #1", "finished #1"]);
    expect(backlog.size).toBe(0);
    expect(timer.armed).toBe(false);
  });

  it("waits at most MAX_RETRY_MS between tries", () => {
    const timer = new ManualTimer();
    const backlog = new EventBacklog({
      schedule: timer.schedule,
      apply: () => {
        throw full();
      },
    });
    backlog.submit(at("finished", 1));
    for (let i = 0; i < 12; i++) timer.fire();
    expect(Math.max(...timer.delays)).toBe(MAX_RETRY_MS);
    expect(backlog.size).toBe(1);
  });

  it("passes other errors to the caller at once, and drops (and reports) an event that fails otherwise when retried", () => {
    const timer = new ManualTimer();
    let failure: Error = full();
    const dropped: string[] = [];
    const backlog = new EventBacklog({
      schedule: timer.schedule,
      apply: () => {
        throw failure;
      },
      onDropped: (event, error) => dropped.push(`${event.type}: ${(error as Error).message}`),
    });
    backlog.submit(at("step_started", 1));
    failure = new Error("no such table");
    expect(() => backlog.submit(at("finished", 2))).toThrow("no such table");
    timer.fire();
    expect(dropped).toEqual(["step_started: no such table"]);
    expect(backlog.size).toBe(0);
  });

  it("stops retrying once closed", () => {
    const timer = new ManualTimer();
    const backlog = new EventBacklog({
      schedule: timer.schedule,
      apply: () => {
        throw full();
      },
    });
    backlog.submit(at("finished", 1));
    backlog.close();
    expect(timer.armed).toBe(false);
  });
});

class RecordingNotifier implements StatusNotifier {
  readonly posts: string[] = [];
  buildQueued(build: Build) {
    this.posts.push(`queued #${build.id}`);
  }
  buildStarted(build: Build) {
    this.posts.push(`started #${build.id}`);
  }
  buildFinished(build: Build) {
    this.posts.push(`finished #${build.id} ${build.status}`);
  }
}

describe("BuildService while the disk is full", () => {
  it("keeps a running build's end that could not be stored, and stores and announces it once there is room, without a restart", async () => {
    const store = new SqliteBuildStore(openDatabase(":memory:"));
    const notifier = new RecordingNotifier();
    const timer = new ManualTimer();
    let diskFull = false;
    const service = new BuildService({
      config: makeConfig({ repos: { app: { url: "/x", commands: ["make"] } } }),
      store,
      notifier,
      refs: { branchExists: async () => true, assertOnBranch: async () => {} },
      // As app.ts's: the state change and its posts in one unit, refused whole when the disk is full.
      atomically: (work) => {
        if (diskFull) throw full();
        return work();
      },
      backlog: { schedule: timer.schedule },
    });
    const backend = new RecordingBackend();
    backend.sink = service.applyEvent;
    service.attachBackend(backend);
    const seen: string[] = [];
    service.subscribe((build, event) => seen.push(`${event.type} ${build.status}`));
    const build = await requestNew(service, {
      repo: "app",
      branch: null,
      revision: null,
      user: { id: "u", name: "alice" },
      channel: { id: "c", name: "ci" },
    });
    service.applyEvent({ type: "started", buildId: build.id, at: 2, sha: "a".repeat(40), steps: ["make"] });
    service.applyEvent({ type: "step_started", buildId: build.id, at: 3, index: 0 });

    diskFull = true;
    // The backend reports the end: nothing is thrown back at it, nothing is stored yet.
    service.applyEvent({
      type: "step_finished",
      buildId: build.id,
      at: 4,
      index: 0,
      status: "succeeded",
      exitCode: 0,
    });
    service.applyEvent({ type: "finished", buildId: build.id, at: 5, status: "succeeded" });
    expect(store.get(build.id)?.status).toBe("running");
    timer.fire();
    expect(store.get(build.id)?.status).toBe("running");

    diskFull = false;
    timer.fire();
    const stored = store.get(build.id);
    expect(stored).toMatchObject({ status: "succeeded", finishedAt: 5 });
    expect(stored?.steps[0]).toMatchObject({ status: "succeeded", finishedAt: 4 });
    expect(notifier.posts).toEqual([
      `queued #${build.id}`,
      `started #${build.id}`,
      `finished #${build.id} succeeded`,
    ]);
    expect(seen.slice(-2)).toEqual(["step_finished running", "finished succeeded"]);
  });
});
