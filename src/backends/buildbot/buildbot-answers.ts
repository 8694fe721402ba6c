import { SlashbuildError } from "../../core/errors.js";

/** What Buildbot's answers mean to slashbuild's client (buildbot-client.ts): bodies, cookies, errors. */

/** A control request was sent but not answered: the master may have acted on it, or may yet. */
export class UnconfirmedRequest extends Error {
  override readonly name = "UnconfirmedRequest";
}

/**
 * Network errors that prove the request never reached the master (no connection was made). Anything
 * else (a deadline, a reset, a closed socket) may come after the request was written.
 */
const NOT_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);

export const SESSION_COOKIE = "TWISTED_SESSION";

/** Each operation's deadline in ms, for messages that say how long slashbuild waited. */
export const DEADLINES = new WeakMap<AbortSignal, number>();

export function deadlineMs(signal: AbortSignal): number | string {
  return DEADLINES.get(signal) ?? "the";
}

/** A JSON-RPC answer: its result, or its error and whether a fresh login may help. */
export type RpcAnswer =
  | { readonly result: unknown; readonly needsLogin: false; readonly error?: undefined }
  | { readonly error: string; readonly needsLogin: boolean };

/** Errors come back as HTTP 200 or 4xx with `{"error": {...}}`; a lost session says "need to have role". */
export function rpcAnswer(status: number, text: string): RpcAnswer {
  const parsed = parseJson(text);
  if (parsed && "error" in parsed && parsed.error) {
    const error = parsed.error as { message?: unknown };
    const message = String(error.message ?? JSON.stringify(error));
    return { error: message, needsLogin: /need to have role|not authorized|unauthorized/i.test(message) };
  }
  if (status < 200 || status > 299 || !parsed) {
    const needsLogin = status === 401 || status === 403;
    return { error: `HTTP ${status} ${text.slice(0, 200)}`.trim(), needsLogin };
  }
  return { result: parsed.result, needsLogin: false };
}

/** A read slashbuild's user was refused (its role may not read), or that failed otherwise. */
export function readRefused(url: string, username: string, path: string, status: number): SlashbuildError {
  if (status === 401 || status === 403) {
    return new SlashbuildError(
      "BACKEND_UNAVAILABLE",
      `Buildbot at ${url} refused slashbuild's user \`${username}\` reading ${path} (HTTP ${status}): ` +
        "an admin should give that user a role that may read in c['www']['authz'] (a master.cfg from `slashbuild buildbot-config` does).",
    );
  }
  return unavailable(url, `GET ${path} answered HTTP ${status}`);
}

/** A JSON object, or null for anything else (a proxy's error page, an empty body). */
function parseJson(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** Buildbot sets the cookie twice on login (anonymous, then the user): the last one counts. */
export function sessionCookie(setCookies: readonly string[]): string | null {
  let found: string | null = null;
  for (const header of setCookies) {
    const match = new RegExp(`^${SESSION_COOKIE}=([^;]+)`).exec(header.trim());
    if (match?.[1]) found = match[1];
  }
  return found;
}

export function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message ?? String(error);
}

export function unavailable(url: string, why: string, cause?: unknown): SlashbuildError {
  return new SlashbuildError(
    "BACKEND_UNAVAILABLE",
    `Buildbot at ${url} is not available (${why}). Try again in a minute; if it persists, an admin should check the master.`,
    { cause },
  );
}

/** An error of a control request: UnconfirmedRequest unless it proves nothing reached the master. */
export function unconfirmedIfSent(url: string, error: unknown, signal: AbortSignal): unknown {
  const cause = error instanceof SlashbuildError ? error.cause : error;
  const code = (cause as { cause?: { code?: string } } | undefined)?.cause?.code;
  if (!signal.aborted && code !== undefined && NOT_SENT.has(code)) return error;
  const why = signal.aborted ? `no answer within ${deadlineMs(signal)} ms` : describeNetworkError(cause);
  return new UnconfirmedRequest(`Buildbot at ${url} did not answer (${why})`, { cause });
}
