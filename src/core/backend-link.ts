import type { Build } from "./build.js";
import { httpUrlOrNull } from "./http-url.js";

/**
 * The link to the backend's own page for a build (Buildbot's; the embedded runner has none), for
 * status posts and the build page, or null. Here in core/ because chat and web both show it.
 *
 * Only when the master that ran the build serves Buildbot's web UI (`external.web_ui`, which the
 * Buildbot backend records from `buildbot.web_ui` or its check at start): Debian packages no UI,
 * and there the link led to "Buildbot REST API only". Builds recorded before that fact was kept
 * have no link. `external.url` is set by the backend from the configured master URL; it is still
 * checked to be http(s) here, because it is read back from the database and ends up in an href.
 */
export function backendPageLink(build: Pick<Build, "backend" | "external">): string | null {
  if (build.backend !== "buildbot" || build.external.web_ui !== true) return null;
  return httpUrlOrNull(build.external.url);
}
