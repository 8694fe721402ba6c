import type { SendOutcome } from "../../notify/ports.js";
import type { StatusAnswer } from "../forge-host.js";

/**
 * A commit-status answer as a send outcome, for hosts to build their `classify` from. Only 2xx
 * means the host stored the status. A rate limit (429, or 403 with the host's remaining-count header
 * at 0 or a Retry-After) pauses all status sending until the host says: Retry-After seconds, else
 * the host's reset header (epoch seconds), else a minute (GitHub's guidance for its secondary
 * limit). 5xx and 408 are retried; other 4xx (bad token, unknown repo or sha) cannot succeed by
 * resending.
 */

/** The headers a host reports its rate limit in; null when it has none (then only Retry-After counts). */
export interface RateLimitHeaders {
  readonly remaining: string;
  readonly reset: string;
}

const FALLBACK_WAIT_MS = 60_000;

export function classifyStatusAnswer(
  answer: StatusAnswer,
  now: number,
  limits: RateLimitHeaders | null,
): SendOutcome {
  const { status, headers, body } = answer;
  const error = `HTTP ${status}${body ? `: ${body.trim().slice(0, 200)}` : ""}`;
  if (status >= 200 && status < 300) return { kind: "delivered" };
  const retryAfter = headers.get("retry-after");
  const remaining = limits ? headers.get(limits.remaining) : null;
  const reset = limits ? headers.get(limits.reset) : null;
  const limited = status === 429 || (status === 403 && (remaining === "0" || retryAfter !== null));
  if (limited) {
    let waitMs: number | null = null;
    if (retryAfter !== null && /^\d+$/.test(retryAfter.trim())) waitMs = Number(retryAfter.trim()) * 1000;
    else if (reset !== null && /^\d+$/.test(reset.trim()))
      waitMs = Math.max(0, Number(reset.trim()) * 1000 - now);
    return { kind: "rate_limited", retryAfterMs: waitMs ?? FALLBACK_WAIT_MS, error };
  }
  if (status >= 500 || status === 408) return { kind: "retryable", error };
  return { kind: "permanent", error };
}
