import type { Logger } from "pino";
import type { Config } from "../../config/config.js";
import type { Build } from "../../core/build.js";
import type { BuildEventSink } from "../../core/events.js";
import type { Clock, TestReportStore } from "../../core/ports.js";
import type { BuildMirrors } from "./build-mirrors.js";
import type { SandboxPlan } from "./sandbox/sandbox-plan.js";

/** What the embedded runner (LocalBackend) is made with. */
export interface LocalBackendOptions {
  readonly config: Config;
  readonly mirrors: BuildMirrors;
  readonly sink: BuildEventSink;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Masked in logs besides each repo's secrets: pass the Mattermost tokens. */
  readonly extraSecrets?: readonly string[];
  /** Where PATH, HOME and friends come from (default process.env); nothing else of it reaches builds. */
  readonly parentEnv?: NodeJS.ProcessEnv;
  /** Between SIGTERM and SIGKILL when a step is stopped; default 5 s. */
  readonly killGraceMs?: number;
  /** How commands are sandboxed; default: as the config says (bwrap unless `runner.sandbox: none`). */
  readonly sandbox?: SandboxPlan | null;
  /** Metrics port: a build step's sandboxed process could not be started. */
  readonly onSandboxStartFailure?: (repo: string) => void;
  /**
   * The stored build by number (app.ts: the store). Given, a waiting build is kept as its number
   * only and read back when it starts, so a deep queue costs a small entry per build instead of
   * its whole record (issue 13's memory bound); and a build that ended while it waited (stopped,
   * superseded) is not run. Absent, the queue keeps the records it was given.
   */
  readonly findBuild?: (id: number) => Build | undefined;
  /** Where the builds' test reports are saved (app.ts: the store); absent = test_reports are not read. */
  readonly testReports?: TestReportStore;
}
