import type { Build, BuildStatus, StepStatus } from "../core/build.js";

/** A build and its steps as SQLite stores them (tables builds and build_steps), and as the core sees them. */

export interface BuildRow {
  id: number;
  repo: string;
  branch: string;
  requested_revision: string | null;
  sha: string | null;
  requester: string;
  requester_id: string;
  channel_id: string;
  channel_name: string;
  backend: string;
  status: string;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  failing_step: string | null;
  reason: string | null;
  rebuild_of: number | null;
  external: string;
  trigger: string | null;
}

export interface StepRow {
  build_id: number;
  idx: number;
  name: string;
  status: string;
  exit_code: number | null;
  started_at: number | null;
  finished_at: number | null;
}

export function rowToBuild(row: BuildRow, steps: readonly StepRow[]): Build {
  return {
    id: row.id,
    repo: row.repo,
    branch: row.branch,
    requestedRevision: row.requested_revision,
    sha: row.sha,
    requester: row.requester,
    requesterId: row.requester_id,
    channelId: row.channel_id,
    channelName: row.channel_name,
    backend: row.backend as Build["backend"],
    status: row.status as BuildStatus,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    failingStep: row.failing_step,
    reason: row.reason,
    rebuildOf: row.rebuild_of,
    external: JSON.parse(row.external) as Record<string, unknown>,
    trigger: row.trigger === null ? null : (JSON.parse(row.trigger) as Build["trigger"]),
    steps: steps.map((step) => ({
      index: step.idx,
      name: step.name,
      status: step.status as StepStatus,
      exitCode: step.exit_code,
      startedAt: step.started_at,
      finishedAt: step.finished_at,
    })),
  };
}
