import type { RepoConfig } from "../../config/config.js";
import type { Build } from "../../core/build.js";
import { withholdsSecrets } from "../../core/triggers/trigger.js";

/**
 * The environment a build's commands see. Deliberately not slashbuild's own: that holds the
 * Mattermost token and whatever else the service was started with. Only what a shell needs to
 * behave normally is passed through, then the repo's env and secrets (not for a fork's pull
 * request), then SLASHBUILD_* (last, so
 * a config cannot fake them).
 */
const PASSED_THROUGH = ["PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "USER"] as const;

const FALLBACK_PATH = "/usr/local/bin:/usr/bin:/bin";

export function buildEnv(
  build: Pick<Build, "id" | "repo" | "branch" | "requester" | "trigger">,
  repo: Pick<RepoConfig, "env" | "secrets">,
  sha: string,
  parentEnv: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const env: Record<string, string> = { PATH: FALLBACK_PATH };
  for (const name of PASSED_THROUGH) {
    const value = parentEnv[name];
    if (value !== undefined) env[name] = value;
  }
  // A pull request from a fork runs code nobody with write access has reviewed: like GitHub
  // Actions, it gets the repo's env but never its secrets.
  Object.assign(env, repo.env, withholdsSecrets(build.trigger) ? {} : repo.secrets);
  env.SLASHBUILD_REPO = build.repo;
  env.SLASHBUILD_BRANCH = build.branch;
  env.SLASHBUILD_REVISION = sha;
  env.SLASHBUILD_BUILD_ID = String(build.id);
  env.SLASHBUILD_USER = build.requester;
  return env;
}
