import type {
  CommitRange,
  Decision,
  Deploy,
  DeployKind,
  DeployState,
  EnvironmentEvent,
} from "../core/deploys/deploy.js";

/** Rows of the deploy tables (store/deploys-migration.ts) and their translation to the core's records. */

export interface DeployRow {
  id: number;
  build_id: number;
  repo: string;
  environment: string;
  kind: string;
  revision: string;
  branch: string;
  source_build_id: number | null;
  requester: string;
  requester_id: string;
  channel_id: string;
  channel_name: string;
  state: string;
  forced: string | null;
  approvals_needed: number;
  previous_revision: string | null;
  commits: string | null;
  announced: number;
  reason: string | null;
  superseded_by: number | null;
  created_at: number;
  expires_at: number | null;
  started_at: number | null;
  finished_at: number | null;
}

export interface DecisionRow {
  user_id: string;
  user_name: string;
  verdict: string;
  reason: string | null;
  via: string;
  at: number;
}

export interface EventRow {
  repo: string;
  environment: string;
  kind: string;
  actor: string;
  actor_id: string;
  holder: string;
  detail: string | null;
  at: number;
}

export function toDeploy(row: DeployRow, decisions: readonly Decision[]): Deploy {
  return {
    buildId: row.build_id,
    repo: row.repo,
    environment: row.environment,
    kind: row.kind as DeployKind,
    revision: row.revision,
    branch: row.branch,
    sourceBuildId: row.source_build_id,
    requester: row.requester,
    requesterId: row.requester_id,
    channelId: row.channel_id,
    channelName: row.channel_name,
    state: row.state as DeployState,
    forced: row.forced === null ? null : (JSON.parse(row.forced) as string[]),
    approvalsNeeded: row.approvals_needed,
    decisions,
    previousRevision: row.previous_revision,
    commits: row.commits === null ? null : (JSON.parse(row.commits) as CommitRange),
    announced: row.announced !== 0,
    reason: row.reason,
    supersededBy: row.superseded_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

export function toDecision(row: DecisionRow): Decision {
  return {
    userId: row.user_id,
    userName: row.user_name,
    verdict: row.verdict as Decision["verdict"],
    reason: row.reason,
    via: row.via as Decision["via"],
    at: row.at,
  };
}

export function toEvent(row: EventRow): EnvironmentEvent {
  return {
    repo: row.repo,
    environment: row.environment,
    kind: row.kind as EnvironmentEvent["kind"],
    actor: row.actor,
    actorId: row.actor_id,
    holder: row.holder,
    detail: row.detail,
    at: row.at,
  };
}
