import { Writable } from "node:stream";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FLOOR_RETRY_MS, StartFloor } from "../../../../src/backends/local/start-floor.js";
import { makeTempDir, removeDir } from "../../../helpers/git-repo.js";
import { makeConfig } from "../../../helpers/make-config.js";

/**
 * The free-space floor for starting builds, against this machine's real filesystem: a floor of
 * one byte is always met, one of a petabyte never (test/integration/backends/local/start-floor.test.ts
 * fills a real small filesystem and frees it again).
 */
describe("StartFloor", () => {
  let dataDir: string;
  let logs: string;
  let floor: StartFloor | null = null;
  beforeEach(async () => {
    dataDir = await makeTempDir("slashbuild-data-");
    logs = "";
  });
  afterEach(async () => {
    floor?.stop();
    vi.useRealTimers();
    await removeDir(dataDir);
  });

  function make(minFree: string): StartFloor {
    const sink = new Writable({
      write: (chunk, _encoding, done) => {
        logs += chunk;
        done();
      },
    });
    floor = new StartFloor(makeConfig({ data_dir: dataDir, health: { min_free_disk: minFree } }), pino(sink));
    return floor;
  }

  it("lets builds start above the floor, and says nothing", () => {
    expect(make("1").holds(() => {})).toBe(false);
    expect(logs).toBe("");
  });

  it("holds them below it, says so once with the folder and the key, and looks again later", () => {
    vi.useFakeTimers();
    const lookAgain = vi.fn();
    const below = make("1000000000GB");
    expect(below.holds(lookAgain)).toBe(true);
    expect(below.holds(lookAgain)).toBe(true);
    expect(logs.match(/builds wait queued/g)).toHaveLength(1);
    expect(logs).toContain(dataDir);
    expect(logs).toContain("health.min_free_disk");
    expect(lookAgain).not.toHaveBeenCalled();
    vi.advanceTimersByTime(FLOOR_RETRY_MS);
    expect(lookAgain).toHaveBeenCalledTimes(1);
  });

  it("looks at the workspaces' folder too", async () => {
    const workspaces = await makeTempDir("slashbuild-ws-");
    try {
      floor = new StartFloor(
        makeConfig({
          data_dir: dataDir,
          runner: { workspaces_dir: workspaces },
          health: { min_free_disk: "1000000000GB" },
        }),
      );
      expect(floor.holds(() => {})).toBe(true);
    } finally {
      await removeDir(workspaces);
    }
  });

  it("looks no more once stopped", () => {
    vi.useFakeTimers();
    const lookAgain = vi.fn();
    make("1000000000GB").holds(lookAgain);
    floor?.stop();
    vi.advanceTimersByTime(10 * FLOOR_RETRY_MS);
    expect(lookAgain).not.toHaveBeenCalled();
  });
});
