import type { Build } from "./build.js";

/**
 * The link to the backend's own page for a build (Buildbot's; the embedded runner has none), for
 * status posts and the build page, or null. Here in core/ because chat and web both show it.
 * `external.url` is set by the backend from the configured master URL; it is still checked to be
 * http(s) here, because it is read back from the database and ends up in an href.
 */
export function backendPageLink(build: Pick<Build, "backend" | "external">): string | null {
  const url = build.external.url;
  if (build.backend !== "buildbot" || typeof url !== "string") return null;
  return /^https?:\/\/[^\s"'<>()]+$/.test(url) ? url : null;
}
