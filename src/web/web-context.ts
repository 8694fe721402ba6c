import type { Config } from "../config/config.js";
import type { Build } from "../core/build.js";
import type { BuildService } from "../core/build-service.js";
import type { CommitSummary } from "../core/commit-summary.js";
import type { DeployService } from "../core/deploys/deploy-service.js";
import { SlashbuildError } from "../core/errors.js";
import type { Clock } from "../core/ports.js";
import type { ArtifactSource } from "./artifacts/artifact-source.js";
import type { DeviceCookies } from "./auth/device-cookie.js";
import type { LoginThrottle } from "./auth/login-throttle.js";
import type { WebAuth } from "./auth/web-auth.js";
import type { FirstErrors } from "./log/find-first-error.js";
import type { LineIndex } from "./log/line-index.js";
import type { LogStreamSource } from "./log/log-stream-source.js";
import type { LogWindows } from "./log/log-window.js";

/** What every web route needs; built once in web-routes.ts. */
export interface WebContext {
  readonly service: BuildService;
  /** Deploys (issue 20): the environments pages and the build page's "deployed to"; null = none. */
  readonly deploys: DeployService | null;
  readonly config: Config;
  readonly logs: LogStreamSource;
  readonly index: LineIndex;
  readonly windows: LogWindows;
  /** Where each failed build's page opens, kept once found. */
  readonly firstErrors: FirstErrors;
  /** The title and author of the commit a build built, when its repo's mirror has it. */
  readonly commits: (build: Build) => Promise<CommitSummary | null>;
  /** A commit's page on its repo's Git host, when known. */
  readonly commitUrl: (repo: string, sha: string) => string | null;
  readonly auth: WebAuth;
  readonly throttle: LoginThrottle;
  /** Browsers that signed in before, which the throttle counts apart (auth/device-cookie.ts). */
  readonly devices: DeviceCookies;
  readonly clock: Clock;
  /** Every secret slashbuild knows (masked in answers). */
  readonly secrets: readonly string[];
  /** Builds' kept artifacts; absent = none are served. */
  readonly artifacts?: ArtifactSource;
}

/** A build number from a URL: digits only, or a 404 that says what is expected. */
export function buildFromParam(ctx: WebContext, raw: string): Build {
  if (!/^\d{1,12}$/.test(raw))
    throw new SlashbuildError("NOT_FOUND", `There is no build ${raw}; build numbers are digits.`);
  return ctx.service.getBuild(Number(raw));
}

/** A 1-based step number from a URL, as the step's 0-based index. */
export function stepFromParam(build: Build, raw: string): number {
  const k = /^\d{1,4}$/.test(raw) ? Number(raw) : 0;
  if (k < 1 || k > build.steps.length) {
    throw new SlashbuildError(
      "NOT_FOUND",
      `Build #${build.id} has no step ${raw}; its steps are numbered 1 to ${build.steps.length}.`,
    );
  }
  return k - 1;
}
