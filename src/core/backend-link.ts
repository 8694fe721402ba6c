import type { Build } from "./build.js";

/**
 * The link to Buildbot's own page for a build, for status posts and the build page, or null.
 * `external.url` is set by the backend from the configured master URL; it is still checked to be
 * http(s) here, because it is read back from the database and ends up in an href.
 */
export function buildbotBuildLink(build: Pick<Build, "backend" | "external">): string | null {
  const url = build.external.url;
  if (build.backend !== "buildbot" || typeof url !== "string") return null;
  return /^https?:\/\/[^\s"'<>()]+$/.test(url) ? url : null;
}
