import type { RepoConfig } from "../../src/config/config.js";
import type { Build } from "../../src/core/build.js";
import { SlashbuildError } from "../../src/core/errors.js";
import type { BuildEventSink } from "../../src/core/events.js";
import type { BuildBackend, StartOutcome } from "../../src/core/ports.js";

/** An in-memory BuildBackend for core tests: records calls and lets the test emit events. */
export class RecordingBackend implements BuildBackend {
  readonly name = "local" as const;
  readonly started: Build[] = [];
  /** The repo config each start was given (a deploy's carries its commands and environment). */
  readonly configs: RepoConfig[] = [];
  readonly stopped: { build: Build; by: string }[] = [];
  readonly recovered: Build[] = [];
  refuse = false;
  /** When set, start answers that the hand-over was not confirmed, with this note. */
  unconfirmed: string | null = null;
  sink: BuildEventSink = () => {};

  async start(build: Build, repo: RepoConfig): Promise<StartOutcome | undefined> {
    if (this.refuse)
      throw new SlashbuildError("BACKEND_UNAVAILABLE", "The backend is down; try again later.");
    this.started.push(build);
    this.configs.push(repo);
    return this.unconfirmed === null ? undefined : { confirmed: false, note: this.unconfirmed };
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
