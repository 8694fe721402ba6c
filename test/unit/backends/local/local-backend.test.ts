import { setImmediate as nextTurn } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { BuildMirrors } from "../../../../src/backends/local/build-mirrors.js";
import { LocalBackend } from "../../../../src/backends/local/local-backend.js";
import type { RepoConfig } from "../../../../src/config/config.js";
import type { Build } from "../../../../src/core/build.js";
import type { BuildEvent } from "../../../../src/core/events.js";
import { makeTempDir, removeDir } from "../../../helpers/git-repo.js";
import { makeConfig } from "../../../helpers/make-config.js";

/** Mirrors whose resolve() waits for the test, so which builds have started is exact, not timed. */
class GatedMirrors implements BuildMirrors {
  readonly calls: number[] = [];
  readonly #pending = new Map<string, (error: Error) => void>();

  resolve(_repo: RepoConfig, branch: string): Promise<string> {
    const id = Number(branch.slice("b".length));
    this.calls.push(id);
    return new Promise((_resolve, reject) => this.#pending.set(branch, reject));
  }

  knownTip(): string | null {
    return null;
  }

  objectsDir(): string {
    return "/nonexistent/objects";
  }

  readonly checkoutCommand = ["true"];

  async createWorkingCopy(): Promise<void> {}

  /** Ends build `id` (as a failed resolve), freeing its slot. */
  fail(id: number): void {
    this.#pending.get(`b${id}`)?.(new Error("gone"));
  }
}

describe("LocalBackend queueing (deterministic, no processes)", () => {
  let dataDir: string;
  let mirrors: GatedMirrors;
  let events: BuildEvent[];
  let backend: LocalBackend;
  let repoConfigs: Readonly<Record<string, RepoConfig>>;
  const commands = ["true"];

  function setUp(
    runnerConcurrency: number,
    repos: Record<string, number>,
    findBuild?: (id: number) => Build | undefined,
  ): void {
    const config = makeConfig({
      data_dir: dataDir,
      runner: { concurrency: runnerConcurrency },
      repos: Object.fromEntries(
        Object.entries(repos).map(([name, concurrency]) => [name, { url: "/x", commands, concurrency }]),
      ),
    });
    backend = new LocalBackend({
      config,
      mirrors,
      sink: (event) => events.push(event),
      ...(findBuild ? { findBuild } : {}),
    });
    repoConfigs = config.repos;
  }

  /** Build ids double as branch names (`b<id>`) so the fake can tell them apart. */
  async function start(id: number, repo: string): Promise<Build> {
    const build = {
      id,
      repo,
      branch: `b${id}`,
      requestedRevision: null,
      requester: "alice",
    } as unknown as Build;
    await backend.start(build, repoConfigs[repo] as RepoConfig);
    return build;
  }

  async function settle(): Promise<void> {
    for (let i = 0; i < 5; i++) await nextTurn();
  }

  /** Ends build `id` and waits until it has been reported, so its slot has been handed on. */
  async function end(id: number): Promise<void> {
    mirrors.fail(id);
    while (!events.some((e) => e.type === "finished" && e.buildId === id)) await nextTurn();
    await settle();
  }

  beforeEach(async () => {
    dataDir = await makeTempDir();
    mirrors = new GatedMirrors();
    events = [];
  });
  afterEach(async () => {
    await backend.close();
    await removeDir(dataDir);
  });

  it("emits nothing before start() has returned", async () => {
    setUp(2, { a: 1 });
    await start(1, "a");
    expect(mirrors.calls).toEqual([]);
    await settle();
    expect(mirrors.calls).toEqual([1]);
  });

  it("holds the global limit and fills freed slots in FIFO order", async () => {
    setUp(2, { a: 1, b: 1, c: 1, d: 1 });
    for (const [id, repo] of [
      [1, "a"],
      [2, "b"],
      [3, "c"],
      [4, "d"],
    ] as const) {
      await start(id, repo);
    }
    await settle();
    expect(mirrors.calls).toEqual([1, 2]);
    await end(2);
    expect(mirrors.calls).toEqual([1, 2, 3]);
    expect(events).toEqual([
      expect.objectContaining({
        buildId: 2,
        type: "finished",
        status: "failed",
        reason: expect.stringContaining("gone"),
      }),
    ]);
  });

  it("holds the per-repo limit while other repos go ahead", async () => {
    setUp(10, { a: 1, b: 2 });
    await start(1, "a");
    await start(2, "a");
    await start(3, "b");
    await start(4, "b");
    await start(5, "b");
    await settle();
    expect(mirrors.calls).toEqual([1, 3, 4]);
    await end(1);
    expect(mirrors.calls).toEqual([1, 3, 4, 2]);
    await end(4);
    expect(mirrors.calls).toEqual([1, 3, 4, 2, 5]);
  });

  it("with findBuild, runs the stored record when a slot frees, and skips one that ended while waiting", async () => {
    // Waiting builds are held as numbers (issue 13's memory bound) and read back when they start.
    const stored = new Map<number, Build>();
    const record = (id: number, status: Build["status"]) =>
      ({ id, repo: "a", branch: `b${id}`, requestedRevision: null, requester: "alice", status }) as Build;
    setUp(1, { a: 1 }, (id) => stored.get(id));
    for (const id of [1, 2, 3, 4]) {
      stored.set(id, record(id, "queued"));
      await start(id, "a");
    }
    await settle();
    expect(mirrors.calls).toEqual([1]);
    // #2 was superseded and #3's record is gone while they waited: neither may run.
    stored.set(2, record(2, "cancelled"));
    stored.delete(3);
    await end(1);
    expect(mirrors.calls).toEqual([1, 4]);
  });

  /** The events of a backend that reported nothing but build `buildId` cancelled, for `reason`. */
  const onlyCancelled = (buildId: number, reason: string) => [
    expect.objectContaining({ buildId, type: "finished", status: "cancelled", reason }),
  ];

  it("cancels a queued build, which then never starts", async () => {
    setUp(1, { a: 1 });
    const first = await start(1, "a");
    const second = await start(2, "a");
    await settle();
    await backend.stop(second, repoConfigs.a as RepoConfig, "bob");
    expect(events).toEqual(onlyCancelled(2, "stopped by @bob before it started"));
    await end(first.id);
    expect(mirrors.calls).toEqual([1]);
  });

  it("cancels a build stopped while it is still fetching", async () => {
    setUp(1, { a: 1 });
    const build = await start(1, "a");
    await settle();
    await backend.stop(build, repoConfigs.a as RepoConfig, "bob");
    expect(events).toEqual(onlyCancelled(1, "stopped by @bob while fetching the repository"));
  });
});
