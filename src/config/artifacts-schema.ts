import { z } from "zod";
import { size } from "./schema-types.js";

/**
 * Artifacts (issue 21): files a build keeps after its workspace is removed. `repos.<name>.artifacts`
 * lists globs relative to the working copy; the top-level `artifacts:` section caps what one build
 * may keep. Globs are checked here by their text only: the runner matches them against the files
 * it finds by walking the workspace (backends/local/artifacts/), so no glob is ever handed to the
 * filesystem, and a path out of the workspace is refused before any build runs.
 */

const MAX_GLOBS = 50;

/** One glob: relative, inside the working copy, no negation. A leading `./` is dropped. */
const artifactGlob = z
  .string()
  .min(1, "is empty: write a path or glob relative to the working copy, e.g. dist/*.tar.gz")
  .max(300, "is longer than 300 characters")
  .transform((glob) => glob.replace(/^(\.\/)+/, ""))
  .superRefine((glob, ctx) => {
    const problem = globProblem(glob);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

function globProblem(glob: string): string | null {
  if (glob.startsWith("/") || glob.startsWith("~")) {
    return `"${glob}" is absolute: artifacts are paths inside the working copy, e.g. dist/*.tar.gz`;
  }
  if (glob.split("/").some((segment) => segment === "..")) {
    return `"${glob}" climbs out with "..": artifacts are paths inside the working copy`;
  }
  if (glob.startsWith("!")) return `"${glob}" is a negation, which artifacts do not take: list what to keep`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(glob)) return "has a control character";
  if (glob === "" || glob === ".") return "names no file: write a path or glob, e.g. dist/**";
  return null;
}

export const artifactGlobs = z
  .array(artifactGlob)
  .max(MAX_GLOBS, `takes at most ${MAX_GLOBS} globs`)
  .default([]);

/** What one build may keep. Past a cap, files are listed on the build page as not kept, with why. */
export const artifactsSchema = z
  .object({
    /** Larger files are not kept. */
    max_file_size: size.default(100_000_000),
    /** All of a build's kept files together. */
    max_build_size: size.default(500_000_000),
    /** Files kept per build. */
    max_files: z.number().int().positive().max(10_000).default(200),
  })
  .strict();

/** Artifacts are collected by the embedded runner only (docs/configuration.md says why). */
export function checkArtifactBackends(
  repos: Readonly<Record<string, { readonly backend: string; readonly artifacts: readonly string[] }>>,
  ctx: z.RefinementCtx,
): void {
  for (const [name, repo] of Object.entries(repos)) {
    if (repo.backend !== "buildbot" || repo.artifacts.length === 0) continue;
    ctx.addIssue({
      code: "custom",
      path: ["repos", name, "artifacts"],
      message:
        "artifacts are kept by the embedded runner only (backend: local); on Buildbot, upload them from master.cfg, or remove artifacts",
    });
  }
}
