import type { FinalStatus, StepStatus } from "./build.js";

/**
 * What a backend reports about a build it runs. Backends emit these; the BuildService is the only
 * place that applies them to the stored Build, so every backend gets the same state machine.
 */
export type BuildEvent =
  | {
      readonly type: "started";
      readonly buildId: number;
      readonly at: number;
      readonly sha: string;
      readonly steps: readonly string[];
    }
  | {
      readonly type: "step_started";
      readonly buildId: number;
      readonly at: number;
      readonly index: number;
      readonly name?: string;
    }
  | {
      readonly type: "step_finished";
      readonly buildId: number;
      readonly at: number;
      readonly index: number;
      readonly status: StepStatus;
      readonly exitCode: number | null;
    }
  | {
      readonly type: "finished";
      readonly buildId: number;
      readonly at: number;
      readonly status: FinalStatus;
      /** Set when a step decided the result (failed or timed out). */
      readonly failingStep?: string | null;
      /** A human explanation for results no step explains ("revision abc not found"). */
      readonly reason?: string | null;
      /** Backend-owned references learnt on the way (Buildbot build URL, ids). */
      readonly external?: Readonly<Record<string, unknown>>;
    }
  | {
      readonly type: "external";
      readonly buildId: number;
      readonly at: number;
      readonly external: Readonly<Record<string, unknown>>;
    };

export type BuildEventSink = (event: BuildEvent) => void;
