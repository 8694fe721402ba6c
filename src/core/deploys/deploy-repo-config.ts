import type { DeployConfig, EnvironmentConfig, RepoConfig } from "../../config/config.js";
import type { Deploy } from "./deploy.js";

/**
 * What a deploy's build runs, as the repo config its backend is handed: the deploy commands instead
 * of the build commands, and an environment that adds SLASHBUILD_ENVIRONMENT, the previously
 * deployed revision, and the environment's own env and secrets (masked like the repo's: the runner
 * masks every value of `secrets`). Backends need no deploy knowledge: a deploy is a build of this.
 * SLASHBUILD_REVISION is set by the runner to the commit it checked out, as for every build. The
 * config refuses SLASHBUILD_* names in an environment's env and secrets, so none can fake these.
 */
export function deployRepoConfig(
  repo: RepoConfig,
  deploy: DeployConfig,
  environment: EnvironmentConfig,
  record: Pick<Deploy, "previousRevision">,
): RepoConfig {
  return {
    ...repo,
    commands: deploy.commands,
    timeoutMs: deploy.timeoutMs,
    env: {
      ...repo.env,
      ...environment.env,
      SLASHBUILD_ENVIRONMENT: environment.name,
      SLASHBUILD_PREVIOUS_REVISION: record.previousRevision ?? "",
    },
    secrets: withoutReserved({ ...repo.secrets, ...environment.secrets }),
  };
}

/** A repo secret named SLASHBUILD_ENVIRONMENT (repo secrets predate deploys) must not override it. */
function withoutReserved(secrets: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(secrets).filter(
      ([name]) => name !== "SLASHBUILD_ENVIRONMENT" && name !== "SLASHBUILD_PREVIOUS_REVISION",
    ),
  );
}
