import type { RepoConfig } from "../../config/config.js";

/**
 * Step names shared by master.cfg generation and status mapping, so a Buildbot step can be matched
 * back to slashbuild's step by name (never by position: Buildbot adds its own steps, such as
 * `worker_preparation`, and an existing master may add more).
 */

export const CHECKOUT_STEP = "checkout";
/** Buildbot stores step names in a 50-character column (`steps.name`) and rejects longer ones. */
export const MAX_STEP_NAME = 50;

/** What slashbuild shows: the checkout, then each command line in full. */
export function slashbuildStepNames(commands: readonly string[]): string[] {
  return [CHECKOUT_STEP, ...commands];
}

/**
 * What the generated master.cfg names the same steps: command lines cut to fit Buildbot's column
 * and made unique (Buildbot would otherwise append `_1` itself, breaking the match).
 */
export function buildbotStepNames(commands: readonly string[]): string[] {
  const names = [CHECKOUT_STEP];
  const taken = new Set(names);
  commands.forEach((command, i) => {
    const flat = command.replace(/\s+/g, " ").trim();
    let name = flat.length > MAX_STEP_NAME ? `${flat.slice(0, MAX_STEP_NAME - 1)}…` : flat;
    if (taken.has(name) || name.length === 0) {
      const suffix = ` #${i + 1}`;
      name = `${flat.slice(0, MAX_STEP_NAME - suffix.length)}${suffix}`;
    }
    taken.add(name);
    names.push(name);
  });
  return names;
}

/** Buildbot step name → slashbuild step index, for the builds the generated master.cfg defines. */
export function stepIndexByName(commands: readonly string[]): ReadonlyMap<string, number> {
  return new Map(buildbotStepNames(commands).map((name, index) => [name, index]));
}

/**
 * The commands a build of `repo` runs: a deploy's are its `deploy.commands`. `start` is handed a
 * deploy's repo config with them already in place; `recover` gets the repos as configured, so a
 * deploy Buildbot still runs after a restart is followed by its deploy builder's step names.
 */
export function commandsRun(
  build: { readonly kind?: string | undefined },
  repo: Pick<RepoConfig, "commands" | "deploy">,
): readonly string[] {
  return build.kind === "deploy" && repo.deploy ? repo.deploy.commands : repo.commands;
}
