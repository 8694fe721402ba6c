/**
 * Names slashbuild and a Buildbot master agree on: the build properties every trigger path sets,
 * and the change project of `trigger: change_hook`.
 */

/** The Buildbot property that carries the slashbuild build id, on every trigger path. */
export const CORRELATION_PROPERTY = "slashbuild_build_id";
/** Carries the requester's chat name into the build (SLASHBUILD_USER on the worker). */
export const REQUESTER_PROPERTY = "slashbuild_user";
/**
 * "yes" when the build may have the repo's secrets; empty (or absent) when not: a pull request
 * from a fork. The generated master.cfg renders each secret only when it says "yes", so a build
 * that does not carry it gets none (default deny).
 */
export const SECRETS_PROPERTY = "slashbuild_secrets";
/** The old Mattermost-to-Buildbot integration's change project naming, for masters routed on it. */
export const OLD_INTEGRATION_PROJECT = "mattermost_build_{repo}_{branch}";

/** The change project for a repo and branch under the configured template. */
export function changeProject(template: string, repo: string, branch: string): string {
  return template.replaceAll("{repo}", repo).replaceAll("{branch}", branch);
}

/** A deploy's previously deployed revision (SLASHBUILD_PREVIOUS_REVISION on the worker); empty for the first. */
export const PREVIOUS_REVISION_PROPERTY = "slashbuild_previous_revision";
