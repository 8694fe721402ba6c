import {
  appError,
  type FakeMattermost,
  type FakeRequest,
  type FakeResponse,
  newId,
} from "./fake-mattermost.js";

/**
 * Mattermost as an OAuth 2.0 provider, installed as routes on a FakeMattermost (so outages and
 * rate limits apply), faithful to the server's code (app/oauth.go, web/oauth.go):
 * - GET /oauth/authorize: unknown client_id → 404; a redirect_uri not among the app's Callback
 *   URLs → 400 and no redirect; not signed in → 302 to /login?redirect_to=<this URL>; a
 *   response_type other than "code" → redirect with error=unsupported_response_type; else a code
 *   (NewId()+NewId()) is stored with the redirect_uri and the browser is sent to redirect_uri with
 *   `code` and the unchanged `state` (its own query kept). Only trusted apps (no consent page).
 * - POST /oauth/access_token (form): grant_type must be authorization_code (400); unknown client
 *   404; wrong client_secret 403; unknown code 400; a code older than 10 minutes 403 (removed);
 *   redirect_uri not the one of the authorize request 400; a code is removed once used. Answers
 *   {access_token, token_type: "bearer", expires_in, refresh_token, scope}.
 * - GET /api/v4/users/me with Authorization: Bearer <access_token>: the user, or 401.
 * Mattermost's own login is a web app; here /login is a plain form with the same effect: a
 * MMAUTHTOKEN session cookie for the browser.
 */

export interface OAuthUser {
  readonly id: string;
  readonly username: string;
  readonly password: string;
}

export interface OAuthApp {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly callbackUrls: readonly string[];
}

interface AuthData {
  readonly clientId: string;
  readonly userId: string;
  readonly redirectUri: string;
  readonly state: string;
  readonly createdAt: number;
}

/** model.AuthCodeExpireTime: 10 minutes. */
const AUTH_CODE_TTL_MS = 10 * 60_000;
/** SessionLengthSSOInHours default (720 h), as expires_in. */
const EXPIRES_IN_S = 720 * 3600;

export class FakeOAuthProvider {
  readonly users = new Map<string, OAuthUser>();
  readonly apps = new Map<string, OAuthApp>();
  /** Every token exchange attempt and its answer's status, for assertions. */
  readonly exchanges: { readonly clientId: string; readonly status: number }[] = [];
  readonly #codes = new Map<string, AuthData>();
  readonly #sessions = new Map<string, string>();
  readonly #tokens = new Map<string, string>();
  readonly #fake: FakeMattermost;
  readonly #clock: () => number;

  constructor(fake: FakeMattermost, options: { clock?: () => number } = {}) {
    this.#fake = fake;
    this.#clock = options.clock ?? Date.now;
    fake.route("GET", /^\/oauth\/authorize$/, (request) => this.#authorize(request));
    fake.route("POST", /^\/oauth\/access_token$/, (request) => this.#accessToken(request));
    fake.route("GET", /^\/api\/v4\/users\/me$/, (request) => this.#me(request));
    fake.route("GET", /^\/login$/, (request) => this.#loginPage(request, ""));
    fake.route("POST", /^\/login$/, (request) => this.#login(request));
  }

  addUser(username: string, password = "mm-password"): OAuthUser {
    const user = { id: newId(), username, password };
    this.users.set(user.id, user);
    return user;
  }

  addApp(callbackUrls: readonly string[]): OAuthApp {
    const app = { clientId: newId(), clientSecret: newId(), callbackUrls };
    this.apps.set(app.clientId, app);
    return app;
  }

  /** A code as a real authorize would issue it, for tests that skip the browser. */
  issueCode(
    app: OAuthApp,
    user: OAuthUser,
    redirectUri: string,
    state = "",
    createdAt = this.#clock(),
  ): string {
    const code = newId() + newId();
    this.#codes.set(code, { clientId: app.clientId, userId: user.id, redirectUri, state, createdAt });
    return code;
  }

  #authorize(request: FakeRequest): FakeResponse {
    const q = request.query;
    const clientId = q.get("client_id") ?? "";
    const redirectUri = q.get("redirect_uri") ?? "";
    const state = q.get("state") ?? "";
    const app = this.apps.get(clientId);
    if (!app) return htmlError(404, "app.oauth.get_app.find.app_error");
    if (!app.callbackUrls.includes(redirectUri)) {
      return htmlError(400, "api.oauth.allow_oauth.redirect_callback.app_error");
    }
    const userId = this.#sessionUser(request);
    if (userId === null) {
      const back = `${request.path}?${q.toString()}`;
      return redirect(`${this.#fake.url}/login?redirect_to=${encodeURIComponent(back)}`);
    }
    if (q.get("response_type") !== "code") {
      return redirect(`${redirectUri}?error=unsupported_response_type&state=${state}`);
    }
    const code = newId() + newId();
    this.#codes.set(code, { clientId, userId, redirectUri, state, createdAt: this.#clock() });
    const target = new URL(redirectUri);
    target.searchParams.set("code", code);
    target.searchParams.set("state", state);
    return redirect(target.toString());
  }

  #accessToken(request: FakeRequest): FakeResponse {
    const form = new URLSearchParams(request.body?.toString("utf8") ?? "");
    const clientId = form.get("client_id") ?? "";
    const answer = (response: FakeResponse) => {
      this.exchanges.push({ clientId, status: response.status });
      return response;
    };
    if (form.get("grant_type") !== "authorization_code") {
      return answer(
        appError(400, "api.oauth.get_access_token.bad_grant.app_error", "invalid_request: Bad grant_type."),
      );
    }
    const app = this.apps.get(clientId);
    if (!app) {
      return answer(
        appError(
          404,
          "api.oauth.get_access_token.credentials.app_error",
          "invalid_client: Invalid client credentials.",
        ),
      );
    }
    if (form.get("client_secret") !== app.clientSecret) {
      return answer(
        appError(
          403,
          "api.oauth.get_access_token.credentials.app_error",
          "invalid_client: Invalid client credentials.",
        ),
      );
    }
    const code = form.get("code") ?? "";
    const data = this.#codes.get(code);
    if (!data) {
      return answer(
        appError(
          400,
          "api.oauth.get_access_token.expired_code.app_error",
          "invalid_grant: Invalid or expired authorization code.",
        ),
      );
    }
    if (this.#clock() > data.createdAt + AUTH_CODE_TTL_MS) {
      this.#codes.delete(code);
      return answer(
        appError(
          403,
          "api.oauth.get_access_token.expired_code.app_error",
          "invalid_grant: Invalid or expired authorization code.",
        ),
      );
    }
    if (data.redirectUri !== (form.get("redirect_uri") ?? "")) {
      return answer(
        appError(
          400,
          "api.oauth.get_access_token.redirect_uri.app_error",
          "invalid_request: Supplied redirect_uri does not match authorization code redirect_uri.",
        ),
      );
    }
    this.#codes.delete(code);
    const token = newId();
    this.#tokens.set(token, data.userId);
    return answer({
      status: 200,
      body: {
        access_token: token,
        token_type: "bearer",
        expires_in: EXPIRES_IN_S,
        scope: "user",
        refresh_token: newId(),
      },
    });
  }

  #me(request: FakeRequest): FakeResponse {
    const header = request.headers.authorization ?? "";
    const match = /^(?:Bearer|Token) (\S+)$/i.exec(header);
    const user = match?.[1] ? this.users.get(this.#tokens.get(match[1]) ?? "") : undefined;
    if (!user) {
      return appError(
        401,
        "api.context.session_expired.app_error",
        "Invalid or expired session, please login again.",
      );
    }
    return {
      status: 200,
      body: {
        id: user.id,
        username: user.username,
        email: `${user.username}@example.com`,
        roles: "system_user",
      },
    };
  }

  #loginPage(request: FakeRequest, error: string): FakeResponse {
    const to = request.query.get("redirect_to") ?? "/";
    return {
      status: error ? 401 : 200,
      headers: { "content-type": "text/html; charset=utf-8" },
      body: `<!doctype html><title>Mattermost</title><h1>Log in to Mattermost</h1>${error ? `<p role="alert">${escapeHtml(error)}</p>` : ""}
<form method="post" action="/login?redirect_to=${encodeURIComponent(to)}">
<label>Username <input name="login_id"></label><label>Password <input name="password" type="password"></label>
<button type="submit">Log in</button></form>`,
    };
  }

  #login(request: FakeRequest): FakeResponse {
    const form = new URLSearchParams(request.body?.toString("utf8") ?? "");
    const user = [...this.users.values()].find(
      (u) => u.username === form.get("login_id") && u.password === form.get("password"),
    );
    if (!user) return this.#loginPage(request, "Enter a valid username and password.");
    const token = newId();
    this.#sessions.set(token, user.id);
    const to = request.query.get("redirect_to") ?? "/";
    // Only a path on this server, as Mattermost's redirect_to is.
    const target = to.startsWith("/") && !to.startsWith("//") ? to : "/";
    return {
      ...redirect(`${this.#fake.url}${target}`),
      headers: {
        location: `${this.#fake.url}${target}`,
        "set-cookie": `MMAUTHTOKEN=${token}; Path=/; HttpOnly`,
      },
    };
  }

  #sessionUser(request: FakeRequest): string | null {
    const cookie = request.headers.cookie ?? "";
    const match = /(?:^|;\s*)MMAUTHTOKEN=([^;]+)/.exec(cookie);
    return match?.[1] ? (this.#sessions.get(match[1]) ?? null) : null;
  }
}

function redirect(location: string): FakeResponse {
  return { status: 302, headers: { location, "content-type": "text/html" }, body: "" };
}

function htmlError(status: number, id: string): FakeResponse {
  return { status, headers: { "content-type": "text/html" }, body: `<!doctype html><p>${id}</p>` };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
