import type { ForgeConfig } from "../../config/config.js";
import type { ForgeKind } from "../../core/triggers/trigger.js";
import type { ChatTransport, SendOutcome } from "../../notify/ports.js";
import type { CommitStatusPayload } from "./format-commit-status.js";

/**
 * Sends stored commit statuses to their Git host (forges CONTRACT §4), on the same send port as
 * chat transports, so the outbox deliverer retries, backs off and pauses for it alike:
 *   GitHub:        POST {api}/repos/{owner}/{repo}/statuses/{sha}    Authorization: Bearer
 *   Gitea/Forgejo: POST {api}/repos/{owner}/{repo}/statuses/{sha}    Authorization: token  (api ends in /api/v1)
 *   GitLab:        POST {api}/projects/{url-encoded path}/statuses/{sha}  PRIVATE-TOKEN     (api ends in /api/v4)
 * The token comes from the config at send time; errors never include it.
 */

export interface CommitStatusTransportOptions {
  readonly forges: Readonly<Partial<Record<ForgeKind, ForgeConfig>>>;
  readonly timeoutMs: number;
  readonly fetch?: typeof fetch;
  readonly clock?: () => number;
}

/** GitLab's vocabulary differs: failed, canceled. */
const GITLAB_STATE: Readonly<Record<CommitStatusPayload["state"], string>> = {
  pending: "pending",
  success: "success",
  failure: "failed",
  error: "canceled",
};

export function statusRequest(
  forge: ForgeConfig,
  status: CommitStatusPayload,
): { url: string; headers: Record<string, string>; body: Record<string, string> } {
  const sha = encodeURIComponent(status.sha);
  const common = { target_url: status.targetUrl, description: status.description, context: status.context };
  const token = forge.token ?? "";
  if (forge.kind === "gitlab") {
    return {
      url: `${forge.apiUrl}/projects/${encodeURIComponent(status.repo)}/statuses/${sha}`,
      headers: { "private-token": token },
      body: { ...common, state: GITLAB_STATE[status.state], name: status.context },
    };
  }
  const path = status.repo.split("/").map(encodeURIComponent).join("/");
  return {
    url: `${forge.apiUrl}/repos/${path}/statuses/${sha}`,
    headers:
      forge.kind === "github"
        ? { authorization: `Bearer ${token}`, accept: "application/vnd.github+json" }
        : { authorization: `token ${token}` },
    body: { ...common, state: status.state },
  };
}

export function createCommitStatusTransport(options: CommitStatusTransportOptions): ChatTransport {
  const doFetch = options.fetch ?? fetch;
  const clock = options.clock ?? Date.now;
  return {
    async send(payload: unknown): Promise<SendOutcome> {
      if (!isStatusPayload(payload)) {
        return { kind: "permanent", error: "not a commit status payload (outbox row from another sink?)" };
      }
      const status = payload;
      const forge = options.forges[status.forge];
      if (!forge?.token) {
        return { kind: "permanent", error: `forges.${status.forge} is no longer configured with a token` };
      }
      const request = statusRequest(forge, status);
      let response: Response;
      try {
        response = await doFetch(request.url, {
          method: "POST",
          headers: { "content-type": "application/json", "user-agent": "slashbuild", ...request.headers },
          body: JSON.stringify(request.body),
          signal: AbortSignal.timeout(options.timeoutMs),
        });
      } catch (error) {
        return {
          kind: "retryable",
          error: `connection failed: ${error instanceof Error ? error.message : String(error)}`,
        };
      }
      const body = await response.text().catch(() => "");
      return classifyStatusResponse(response.status, response.headers, body, clock());
    },
  };
}

/**
 * Only 2xx means the host stored the status. Rate limits (GitHub: 403/429 with
 * x-ratelimit-remaining 0 until x-ratelimit-reset, or retry-after; GitLab: 429 with retry-after /
 * ratelimit-reset) pause all status sending until the host says; 5xx and 408 are retried;
 * other 4xx (bad token, unknown repo or sha) cannot succeed by resending.
 */
export function classifyStatusResponse(
  status: number,
  headers: Headers,
  body: string,
  now: number,
): SendOutcome {
  const error = `HTTP ${status}${body ? `: ${body.trim().slice(0, 200)}` : ""}`;
  if (status >= 200 && status < 300) return { kind: "delivered" };
  const retryAfter = headers.get("retry-after");
  const remaining = headers.get("x-ratelimit-remaining") ?? headers.get("ratelimit-remaining");
  const reset = headers.get("x-ratelimit-reset") ?? headers.get("ratelimit-reset");
  const limited = status === 429 || (status === 403 && (remaining === "0" || retryAfter !== null));
  if (limited) {
    let waitMs: number | null = null;
    if (retryAfter !== null && /^\d+$/.test(retryAfter.trim())) waitMs = Number(retryAfter.trim()) * 1000;
    else if (reset !== null && /^\d+$/.test(reset.trim()))
      waitMs = Math.max(0, Number(reset.trim()) * 1000 - now);
    // GitHub: with neither header, wait at least a minute (secondary limit guidance).
    return { kind: "rate_limited", retryAfterMs: waitMs ?? 60_000, error };
  }
  if (status >= 500 || status === 408) return { kind: "retryable", error };
  return { kind: "permanent", error };
}

function isStatusPayload(payload: unknown): payload is CommitStatusPayload {
  if (payload === null || typeof payload !== "object") return false;
  const p = payload as Record<string, unknown>;
  return (
    (p.forge === "github" || p.forge === "gitea" || p.forge === "gitlab") &&
    ["repo", "sha", "state", "targetUrl", "description", "context"].every((key) => typeof p[key] === "string")
  );
}
