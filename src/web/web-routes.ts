import { randomBytes } from "node:crypto";
import formbody from "@fastify/formbody";
import type { FastifyInstance } from "fastify";
import type { Config } from "../config/config.js";
import type { Build } from "../core/build.js";
import type { BuildService } from "../core/build-service.js";
import type { CommitSummary } from "../core/commit-summary.js";
import type { DeployService } from "../core/deploys/deploy-service.js";
import { SlashbuildError } from "../core/errors.js";
import { maskText } from "../core/mask-secrets.js";
import type { Clock } from "../core/ports.js";
import type { WebSessionStore } from "../core/web-sessions.js";
import { actionRoutes } from "./action-routes.js";
import { allowedHostnames, hostnameOf } from "./allowed-hosts.js";
import { registerApiAuth } from "./api/api-auth.js";
import { apiRoutes } from "./api/api-routes.js";
import { artifactRoutes } from "./artifacts/artifact-routes.js";
import type { ArtifactSource } from "./artifacts/artifact-source.js";
import { registerAssets } from "./assets/assets.js";
import { DeviceCookies } from "./auth/device-cookie.js";
import { LoginThrottle } from "./auth/login-throttle.js";
import { WebAuth } from "./auth/web-auth.js";
import { authRoutes } from "./auth-routes.js";
import { badgeRoutes } from "./badge/badge-routes.js";
import { defaultToNotStored } from "./cache-control.js";
import { closePreconnectsOnStop } from "./close-preconnects.js";
import { deployRoutes } from "./deploy-routes.js";
import { webErrorHandler } from "./error-page.js";
import { FirstErrors } from "./log/find-first-error.js";
import { LineIndex } from "./log/line-index.js";
import type { LogStreamSource } from "./log/log-stream-source.js";
import { LogWindows } from "./log/log-window.js";
import { logRoutes } from "./log-routes.js";
import { mattermostSignInRoutes } from "./mattermost-sign-in-routes.js";
import { pageRoutes } from "./page-routes.js";
import { registerReadGate } from "./read-gate.js";
import { repoRoutes } from "./repo-routes.js";
import type { WebContext } from "./web-context.js";

export interface WebRoutesOptions {
  readonly service: BuildService;
  /** Deploys (issue 20): environments pages, web approvals, "deployed to"; absent = none. */
  readonly deploys?: DeployService;
  readonly config: Config;
  /** Every backend's logs as byte ranges (see log/log-stream-source.ts). */
  readonly logs: LogStreamSource;
  readonly clock?: Clock;
  /** Every secret slashbuild knows: masked in every page, JSON answer and live-log event. */
  readonly secrets?: readonly string[];
  /** Where web sessions live (SQLite in app.ts); default: memory. */
  readonly sessions?: WebSessionStore;
  /** Sign-in throttling; default: auth/login-throttle.ts's keying (tests pass another to compare). */
  readonly throttle?: LoginThrottle;
  /** What anyone may GET under web.read: signed_in; default: SIGN_IN_PATHS (tests pass another to compare). */
  readonly openPaths?: ReadonlySet<string>;
  /** A built commit's title and author (git/commit-summaries.ts over the mirrors); default: none. */
  readonly commits?: (build: Build) => Promise<CommitSummary | null>;
  /** A commit's page on its Git host (forges/configured-forges.ts commitLinksOf); default: none. */
  readonly commitUrl?: (repo: string, sha: string) => string | null;
  /** Builds' kept artifacts (the embedded runner's shelf); absent = none are served. */
  readonly artifacts?: ArtifactSource;
}

/** Forms are tiny (a token, a user name, a password): anything bigger is not ours. */
const FORM_BODY_LIMIT = 8 * 1024;

/**
 * Defence in depth behind escaping: no inline script or style can run, nothing is framed, and the
 * browser never guesses a type. Only the web routes get these headers (registered in this scope).
 */
const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
  "x-frame-options": "DENY",
};

/**
 * The web UI: build list, build pages with live logs, raw logs, sign-in, stop and rebuild, and the
 * environments pages with their approvals. Register
 * without fastify-plugin so the form parser, headers and HTML error pages stay in this scope.
 */
export async function webRoutes(app: FastifyInstance, options: WebRoutesOptions): Promise<void> {
  const index = new LineIndex(options.logs);
  const ctx: WebContext = {
    service: options.service,
    deploys: options.deploys ?? null,
    config: options.config,
    logs: options.logs,
    index,
    windows: new LogWindows(index),
    firstErrors: new FirstErrors(options.logs),
    commits: options.commits ?? (async () => null),
    commitUrl: options.commitUrl ?? (() => null),
    auth: new WebAuth(options.config.web, options.config.publicUrl, options.clock, options.sessions),
    throttle: options.throttle ?? new LoginThrottle(options.clock ? { clock: options.clock } : {}),
    // Signed with the session secret; without one, device cookies last until a restart, as sessions do.
    devices: new DeviceCookies(
      options.config.web.sessionSecret ?? randomBytes(32).toString("hex"),
      options.config.web.secureCookies,
      options.clock,
    ),
    clock: options.clock ?? Date.now,
    secrets: options.secrets ?? [],
    ...(options.artifacts ? { artifacts: options.artifacts } : {}),
  };
  const hosts = allowedHostnames(options.config);
  // Before anything else, even a 404: a rebinding page must learn nothing from this server.
  app.addHook("onRequest", async (request) => {
    const name = hostnameOf(request.headers.host);
    if (name === null || !hosts.has(name)) {
      throw new SlashbuildError(
        "HOST_NOT_ALLOWED",
        `This slashbuild answers at ${options.config.publicUrl}; open it there (the Host header named another site).`,
      );
    }
  });
  registerApiAuth(app, options.config.api?.tokens ?? []);
  registerReadGate(app, ctx, options.openPaths);
  await app.register(formbody, { bodyLimit: FORM_BODY_LIMIT });
  app.addHook("onSend", async (_request, reply, payload) => {
    // Pages and JSON show build reasons, step names and log windows: whatever a backend or a build
    // wrote there, no secret leaves in them. (Raw logs stream from files masked when written.)
    if (typeof payload === "string") payload = maskText(payload, ctx.secrets);
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
      if (!reply.hasHeader(name)) reply.header(name, value);
    }
    defaultToNotStored(reply);
    return payload;
  });
  app.setErrorHandler(webErrorHandler((request) => ctx.auth.viewer(request)));
  // An unknown path is a page like any other: HTML for a browser, JSON for everything else.
  app.setNotFoundHandler(async () => {
    throw new SlashbuildError("NOT_FOUND", "There is no page at this address; the build list is at /.");
  });
  closePreconnectsOnStop(app);
  registerAssets(app);
  warmFirstErrors(app, ctx);
  pageRoutes(app, ctx);
  logRoutes(app, ctx);
  authRoutes(app, ctx);
  mattermostSignInRoutes(app, ctx);
  actionRoutes(app, ctx);
  if (options.deploys) deployRoutes(app, ctx, options.deploys);
  artifactRoutes(app, ctx);
  apiRoutes(app, ctx);
  badgeRoutes(app, ctx);
  repoRoutes(app, ctx);
}

/**
 * A failed build's page opens on its first error, which takes one scan of the failing step's log
 * (about 0.4 s for 50 MB): done when the build finishes, in the background, so the people the
 * failure post sends there find it ready. A build finished while slashbuild was down is scanned at
 * its first view instead.
 */
function warmFirstErrors(app: FastifyInstance, ctx: WebContext): void {
  const stop = ctx.service.subscribe((build, event) => {
    const failed = build.steps.some((s) => s.status === "failed" || s.status === "timed_out");
    if (event.type !== "finished" || !failed) return;
    ctx.firstErrors.find(build).catch(() => {});
  });
  app.addHook("onClose", async () => stop());
}
