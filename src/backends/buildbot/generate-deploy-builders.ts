import type { BuildbotConfig } from "../../config/buildbot-schema.js";
import type { EnvironmentConfig, RepoConfig } from "../../config/config.js";
import { deployRepoConfig } from "../../core/deploys/deploy-repo-config.js";
import { SlashbuildError } from "../../core/errors.js";
import { PREVIOUS_REVISION_PROPERTY } from "./buildbot-properties.js";
import { factorySteps, forceProperties, pyIdent, secretValue, slashbuildEnv } from "./builder-steps.js";
import { call, type PyValue, py } from "./python-literal.js";

/**
 * A repo's deploy builders (issue 20): one per environment of its `deploy:` section, each running
 * the deploy commands with that environment's env and secrets. One builder per environment keeps an
 * environment's secrets out of every other builder by construction (not by a property a request
 * could set), and gives each environment its own history on the master. Deploys are always forced
 * through the builder's own force scheduler, whatever `buildbot.trigger` says: it answers the exact
 * build request, so a deploy is never handed over twice or matched to the wrong build.
 * Approvals, locks, freezes and queueing stay in slashbuild: the master only runs what it is handed.
 */

export interface DeployNames {
  readonly builder: string;
  readonly forceScheduler: string;
}

/**
 * The names of a repo environment's deploy builder. Buildbot wants a scheduler name to be an
 * identifier (no '.'), so dots become '_'; generateDeployBuilders refuses the rare clash that makes.
 */
export function deployNames(bb: BuildbotConfig, repo: string, environment: string): DeployNames {
  return {
    builder: `${bb.names(repo).builder}:deploy:${environment}`,
    forceScheduler: `slashbuild-deploy-${repo}-${environment}`.replaceAll(".", "_"),
  };
}

/** The secret name an environment's own secret gets on the master: '/' is in no repo, environment or variable name. */
export function deploySecretName(repo: string, environment: string, variable: string): string {
  return `${repo}/${environment}/${variable}`;
}

/** Every deploy builder of the repos on Buildbot, as master.cfg source. */
export function generateDeployBuilders(
  repos: readonly RepoConfig[],
  bb: BuildbotConfig,
  workerNames: readonly string[],
  secretName: (repo: string, variable: string) => string,
): string {
  const seen = new Map<string, string>();
  const parts: string[] = [];
  for (const repo of repos) {
    for (const environment of Object.values(repo.deploy?.environments ?? {})) {
      const names = deployNames(bb, repo.name, environment.name);
      const place = `${repo.name} ${environment.name}`;
      const other = seen.get(names.forceScheduler);
      if (other !== undefined) {
        throw new SlashbuildError(
          "CONFIG_INVALID",
          `the deploy schedulers of ${other} and ${place} would both be named ${names.forceScheduler} on Buildbot: rename one environment (Buildbot scheduler names cannot hold '.').`,
        );
      }
      seen.set(names.forceScheduler, place);
      parts.push(deployBuilder(repo, environment, names, workerNames, secretName));
    }
  }
  return parts.join("");
}

function deployBuilder(
  repo: RepoConfig,
  environment: EnvironmentConfig,
  names: DeployNames,
  workerNames: readonly string[],
  secretName: (repo: string, variable: string) => string,
): string {
  const deploy = repo.deploy;
  if (!deploy) return "";
  // The same commands, timeout, env and secrets the embedded runner is handed for this environment.
  const runs = deployRepoConfig(repo, deploy, environment, { previousRevision: null });
  const env: Record<string, PyValue> = {
    ...runs.env,
    ...Object.fromEntries(
      Object.keys(runs.secrets).map((k) => [
        k,
        secretValue(
          Object.hasOwn(environment.secrets, k)
            ? deploySecretName(repo.name, environment.name, k)
            : secretName(repo.name, k),
        ),
      ]),
    ),
    ...slashbuildEnv(repo),
    // Known only when the deploy starts (the environment's current deploy then): a property of the request.
    SLASHBUILD_PREVIOUS_REVISION: call("util.Property", [PREVIOUS_REVISION_PROPERTY], { default: "" }),
  };
  const ident = `deploy_${pyIdent(repo.name, environment.name)}`;
  const label = `${repo.name} to ${environment.name}`.replace(/[\r\n]/g, " ");
  return `
# --- deploy ${label}: ${runs.commands.length} command(s) ---
def _${ident}():
    env = ${py(env)}
    factory = util.BuildFactory()
${factorySteps(repo, runs.commands, runs.timeoutMs)}
    c["builders"].append(util.BuilderConfig(name=${py(names.builder)}, workernames=${py(workerNames)}, factory=factory))
    # Deploys are forced by slashbuild once approved and the environment is free.
    c["schedulers"].append(schedulers.ForceScheduler(
        name=${py(names.forceScheduler)},
        builderNames=[${py(names.builder)}],
        properties=${py(forceProperties([PREVIOUS_REVISION_PROPERTY]))},
    ))


_${ident}()
`;
}
