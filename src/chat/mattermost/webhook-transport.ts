import type { ChatTransport, SendOutcome } from "../../notify/ports.js";

/**
 * Sends outbox payloads to a Mattermost incoming webhook (CONTRACT §4). The hook id in the URL
 * is its only credential, so the URL never appears in errors or logs: only the status does.
 */

export interface WebhookTransportOptions {
  readonly webhookUrl: string;
  /** Abort a request that takes longer than this (config.delivery.timeoutMs). */
  readonly timeoutMs: number;
  readonly fetch?: typeof fetch;
  /** For Retry-After given as an HTTP date. */
  readonly clock?: () => number;
}

export function createWebhookTransport(options: WebhookTransportOptions): ChatTransport {
  const doFetch = options.fetch ?? fetch;
  const clock = options.clock ?? Date.now;
  return {
    async send(payload: unknown): Promise<SendOutcome> {
      let response: Response;
      try {
        response = await doFetch(options.webhookUrl, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(payload),
          signal: AbortSignal.timeout(options.timeoutMs),
        });
      } catch (error) {
        return { kind: "retryable", error: describeFetchError(error, options.timeoutMs) };
      }
      // Read the body so the connection can be reused; its text helps explain a 4xx.
      const body = await response.text().catch(() => "");
      return classifyResponse(response.status, response.headers, body, clock());
    },
  };
}

/** Maps a webhook answer to what the deliverer should do. Only 2xx means Mattermost stored the post. */
export function classifyResponse(status: number, headers: Headers, body: string, now: number): SendOutcome {
  const error = `HTTP ${status}${body ? `: ${summarise(body)}` : ""}`;
  if (status >= 200 && status < 300) return { kind: "delivered" };
  if (status === 429)
    return { kind: "rate_limited", retryAfterMs: parseRetryAfter(headers.get("retry-after"), now), error };
  if (status >= 500 || status === 408) return { kind: "retryable", error };
  return { kind: "permanent", error };
}

/** Retry-After is either delay-seconds or an HTTP-date (RFC 9110 §10.2.3); null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - now);
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return `no answer within ${timeoutMs} ms`;
  }
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : null;
  const code = cause && "code" in cause ? String(cause.code) : null;
  return `connection failed${code ? ` (${code})` : ""}: ${error instanceof Error ? error.message : String(error)}`;
}

/** AppError bodies are JSON with a `message`; anything else is cut short for the log. */
function summarise(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown; id?: unknown };
    if (typeof parsed.message === "string") return `${parsed.id ?? "error"}: ${parsed.message}`;
  } catch {
    // not JSON: fall through to the raw text
  }
  return body.trim().slice(0, 200);
}
