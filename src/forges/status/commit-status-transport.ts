import type { ChatTransport, SendOutcome } from "../../notify/ports.js";
import type { ConfiguredForges } from "../configured-forges.js";
import type { CommitStatusPayload } from "./format-commit-status.js";

/**
 * Sends stored commit statuses to their Git host (forges CONTRACT §4), on the same send port as
 * chat transports, so the outbox deliverer retries, backs off and pauses for it alike. The
 * request's shape and how its answer classifies are the host's (ForgeHost.statuses); sending,
 * the timeout and never throwing are here, once. The token comes from the config at send time;
 * errors never include it.
 */

export interface CommitStatusTransportOptions {
  readonly forges: ConfiguredForges;
  readonly timeoutMs: number;
  readonly fetch?: typeof fetch;
  readonly clock?: () => number;
}

export function createCommitStatusTransport(options: CommitStatusTransportOptions): ChatTransport {
  const doFetch = options.fetch ?? fetch;
  const clock = options.clock ?? Date.now;
  return {
    async send(payload: unknown): Promise<SendOutcome> {
      if (!isStatusPayload(payload)) {
        return { kind: "permanent", error: "not a commit status payload (outbox row from another sink?)" };
      }
      const forge = options.forges.get(payload.forge);
      const token = forge?.config.token;
      if (!forge || !token) {
        return { kind: "permanent", error: `forges.${payload.forge} is no longer configured with a token` };
      }
      const request = forge.host.statuses.request(forge.apiUrl, token, payload);
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
      return forge.host.statuses.classify(
        { status: response.status, headers: response.headers, body },
        clock(),
      );
    },
  };
}

function isStatusPayload(payload: unknown): payload is CommitStatusPayload {
  if (payload === null || typeof payload !== "object") return false;
  const p = payload as Record<string, unknown>;
  return ["forge", "repo", "sha", "state", "targetUrl", "description", "context"].every(
    (key) => typeof p[key] === "string",
  );
}
