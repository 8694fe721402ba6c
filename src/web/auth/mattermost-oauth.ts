import { z } from "zod";
import type { MattermostSignIn } from "../../config/config.js";
import { SlashbuildError } from "../../core/errors.js";

/**
 * Mattermost as an OAuth 2.0 provider (authorization code flow), as its server implements it:
 * - the browser goes to `/oauth/authorize?response_type=code&client_id&redirect_uri&state`; a
 *   redirect_uri that is not one of the app's Callback URLs is refused there, with no redirect;
 * - Mattermost sends it back to redirect_uri with `code` and the same `state` (or `error`);
 * - slashbuild POSTs the code, form-encoded, to `/oauth/access_token` with client_id,
 *   client_secret (client_secret_post), grant_type=authorization_code and the same redirect_uri;
 *   codes are single-use and expire after 10 minutes; errors are AppError JSON;
 * - `GET /api/v4/users/me` with `Authorization: Bearer <access_token>` names the user: the same
 *   `id` and `username` that slash commands carry as user_id and user_name.
 * Plain functions with fetch passed in; the routes (auth-routes.ts) hold the state cookie.
 */

/** Where a browser starts signing in with Mattermost (the sign-in page's button). */
export const START_PATH = "/login/mattermost";

/** Where Mattermost sends the browser back; register exactly this as the app's Callback URL. */
export const CALLBACK_PATH = `${START_PATH}/callback`;

export interface SignedInUser {
  readonly id: string;
  readonly name: string;
}

export function callbackUrl(publicUrl: string): string {
  return `${publicUrl}${CALLBACK_PATH}`;
}

export function authorizeUrl(settings: MattermostSignIn, redirectUri: string, state: string): string {
  const query = new URLSearchParams({
    response_type: "code",
    client_id: settings.clientId,
    redirect_uri: redirectUri,
    state,
  });
  return `${settings.url}/oauth/authorize?${query.toString()}`;
}

const tokenAnswer = z.object({ access_token: z.string().min(1), token_type: z.string().optional() });
const userAnswer = z.object({ id: z.string().min(1).max(64), username: z.string().min(1).max(64) });
const appError = z.object({ id: z.string().optional(), message: z.string().optional() });

function failed(what: string): SlashbuildError {
  return new SlashbuildError(
    "SIGN_IN_FAILED",
    `Signing in with Mattermost failed: ${what}. Try again; if it keeps failing, an admin should check web.mattermost_sign_in (client id and secret, and that the app's Callback URL is slashbuild's).`,
  );
}

async function call(
  doFetch: typeof fetch,
  url: string,
  init: RequestInit,
  timeoutMs: number,
  what: string,
): Promise<unknown> {
  let response: Response;
  try {
    response = await doFetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch {
    throw failed(`Mattermost did not answer the ${what} request`);
  }
  const text = await response.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    // A proxy's error page: reported by status below.
  }
  if (!response.ok) {
    const error = appError.safeParse(body);
    const id = error.success && error.data.id ? ` (${error.data.id})` : "";
    throw failed(`Mattermost refused the ${what} request with HTTP ${response.status}${id}`);
  }
  return body;
}

/** Trades the code for the user: token exchange, then users/me. The access token is used once and dropped. */
export async function signInWithCode(
  settings: MattermostSignIn,
  redirectUri: string,
  code: string,
  options: { readonly fetch?: typeof fetch; readonly timeoutMs?: number } = {},
): Promise<SignedInUser> {
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const form = new URLSearchParams({
    grant_type: "authorization_code",
    client_id: settings.clientId,
    client_secret: settings.clientSecret,
    code,
    redirect_uri: redirectUri,
  });
  const token = tokenAnswer.safeParse(
    await call(
      doFetch,
      `${settings.url}/oauth/access_token`,
      {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: form.toString(),
      },
      timeoutMs,
      "token",
    ),
  );
  if (!token.success) throw failed("Mattermost's token answer had no access_token");
  const me = userAnswer.safeParse(
    await call(
      doFetch,
      `${settings.url}/api/v4/users/me`,
      { headers: { authorization: `Bearer ${token.data.access_token}` } },
      timeoutMs,
      "users/me",
    ),
  );
  if (!me.success) throw failed("Mattermost's users/me answer had no id and username");
  return { id: me.data.id, name: me.data.username };
}
