import type { RepoConfig } from "../../config/config.js";
import { CORRELATION_PROPERTY, REQUESTER_PROPERTY, SECRETS_PROPERTY } from "./buildbot-properties.js";
import { call, PyCode, type PyValue, py } from "./python-literal.js";
import { buildbotStepNames, CHECKOUT_STEP } from "./step-names.js";

/**
 * What every builder in the generated master.cfg shares, a repo's build builder and its deploy
 * builders alike: the checkout, one ShellCommand per command, the environment slashbuild promises
 * every command, and secrets rendered through the secret provider.
 */

/**
 * A secret as a step's env value: rendered (and so redacted in logs) only when the build says it may
 * have them; a pull request from a fork, or a build that does not say, gets an empty value instead.
 */
export function secretValue(secretName: string): PyCode {
  return call("util.Interpolate", [`%(prop:${SECRETS_PROPERTY}:#?|%(secret:${secretName})s|)s`]);
}

/** The SLASHBUILD_* variables every build and deploy sees, from the build's properties. */
export function slashbuildEnv(repo: RepoConfig): Record<string, PyValue> {
  return {
    SLASHBUILD_REPO: repo.name,
    SLASHBUILD_BRANCH: call("util.Property", ["branch"], { default: repo.defaultBranch }),
    SLASHBUILD_REVISION: call("util.Property", ["got_revision"], { default: "" }),
    SLASHBUILD_BUILD_ID: call("util.Property", [CORRELATION_PROPERTY], { default: "" }),
    SLASHBUILD_USER: call("util.Property", [REQUESTER_PROPERTY], { default: "" }),
  };
}

/** The force scheduler's declared properties: Buildbot accepts no others. */
export function forceProperties(extra: readonly string[] = []): PyCode[] {
  return [CORRELATION_PROPERTY, REQUESTER_PROPERTY, SECRETS_PROPERTY, ...extra].map((name) =>
    call("util.StringParameter", [], { name, default: "" }),
  );
}

/**
 * The factory's steps as Python lines (indented for a function body): the checkout of exactly the
 * build's sourcestamp, then `commands`, each bounded by `timeoutMs` and run with `env`.
 */
export function factorySteps(repo: RepoConfig, commands: readonly string[], timeoutMs: number): string {
  const stepNames = buildbotStepNames(commands);
  const checkout = call("steps.Git", [], {
    name: CHECKOUT_STEP,
    repourl: repo.url,
    branch: repo.defaultBranch,
    // Check out exactly the build's sourcestamp: its branch, and its revision when one was asked
    // for (the old integration parsed the revision and then ignored it).
    alwaysUseLatest: false,
    mode: "full",
    method: "clobber",
    haltOnFailure: true,
    logEnviron: false,
  });
  const steps = commands.map((command, i) =>
    call("steps.ShellCommand", [], {
      name: stepNames[i + 1] ?? command,
      command: ["sh", "-c", command],
      env: new PyCode("env"),
      haltOnFailure: true,
      // The timeout bounds each command, like the embedded runner's per-build limit.
      maxTime: Math.ceil(timeoutMs / 1000),
      logEnviron: false,
    }),
  );
  return [checkout, ...steps].map((step) => `    factory.addStep(${py(step)})`).join("\n");
}

/** A Python identifier for a generated function, from names that may hold '.' and '-'. */
export function pyIdent(...parts: readonly string[]): string {
  return parts.map((part) => part.replace(/[^A-Za-z0-9_]/g, "_")).join("__");
}
