import { z } from "zod";
import { compileReportGlob } from "../core/report-glob.js";
import { size } from "./schema-types.js";

/**
 * Test reports (issue 21): `repos.<name>.test_reports`, globs of JUnit XML files in the build's
 * working copy, and `runner.test_reports`, the caps on reading them. The embedded runner reads them
 * after each step (backends/local/collect-test-reports.ts).
 */

const reportGlob = z.string().superRefine((pattern, ctx) => {
  const compiled = compileReportGlob(pattern);
  if (typeof compiled === "string") ctx.addIssue({ code: "custom", message: `${pattern} ${compiled}` });
});

export const testReportGlobs = z.array(reportGlob).max(100, "takes at most 100 globs").default([]);

export const testReportLimitsSchema = z
  .object({
    /** Report files read per build; past it the rest are left unread and the page says so. */
    max_files: z.number().int().positive().default(10_000),
    /** Bytes read of one report; a bigger one is read this far and marked truncated. */
    max_file_size: size.default(100_000_000),
    /** Bytes read of all of a build's reports together. */
    max_total_size: size.default(200_000_000),
    /** Failed tests kept per build with their message and output (all are counted). */
    max_failures: z.number().int().min(1).max(1000).default(50),
  })
  .strict();

/** Test reports are read by the embedded runner only: say so for a repo on Buildbot. */
export function checkTestReports(
  repos: Readonly<Record<string, { readonly backend: string; readonly test_reports: readonly string[] }>>,
  ctx: z.RefinementCtx,
): void {
  for (const [name, repo] of Object.entries(repos)) {
    if (repo.backend === "buildbot" && repo.test_reports.length > 0) {
      ctx.addIssue({
        code: "custom",
        path: ["repos", name, "test_reports"],
        message:
          "test reports are read by the embedded runner only (backend: local); Buildbot keeps them on its workers: remove test_reports here",
      });
    }
  }
}
