import type { RepoConfig } from "../../src/config/config.js";
import type { Build } from "../../src/core/build.js";
import { SlashbuildError } from "../../src/core/errors.js";
import type { BuildEventSink } from "../../src/core/events.js";
import type { BuildBackend } from "../../src/core/ports.js";

/** An in-memory BuildBackend for core tests: records calls and lets the test emit events. */
export class RecordingBackend implements BuildBackend {
  readonly name = "local" as const;
  readonly started: Build[] = [];
  readonly stopped: { build: Build; by: string }[] = [];
  readonly recovered: Build[] = [];
  refuse = false;
  sink: BuildEventSink = () => {};

  async start(build: Build, _repo: RepoConfig): Promise<void> {
    if (this.refuse)
      throw new SlashbuildError("BACKEND_UNAVAILABLE", "The backend is down; try again later.");
    this.started.push(build);
  }

  async stop(build: Build, _repo: RepoConfig, requestedBy: string): Promise<void> {
    this.stopped.push({ build, by: requestedBy });
    this.sink({ type: "finished", buildId: build.id, at: 5000, status: "cancelled" });
  }

  async recover(builds: readonly Build[]): Promise<void> {
    this.recovered.push(...builds);
  }

  async close(): Promise<void> {}
}
