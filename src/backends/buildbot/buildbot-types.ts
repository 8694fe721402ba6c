import { z } from "zod";

/**
 * The parts of Buildbot 3.7's data API that slashbuild reads, as zod schemas: the same build dict
 * arrives from the REST API (`/api/v2/builds`) and from HttpStatusPush, and both are input from
 * another process, so they are parsed, not trusted. Unknown fields are dropped.
 * Timestamps are epoch seconds; `results` is null while a build runs.
 */

/** Buildbot's result codes (buildbot.process.results). */
export const RESULTS = {
  SUCCESS: 0,
  WARNINGS: 1,
  FAILURE: 2,
  SKIPPED: 3,
  EXCEPTION: 4,
  RETRY: 5,
  CANCELLED: 6,
} as const;

const epoch = z.number().nullable().optional();

/** `properties` is name → [value, source] when the build was fetched with `?property=*`. */
const properties = z.record(z.string(), z.tuple([z.unknown(), z.string()])).optional();

const sourcestamp = z.object({
  branch: z.string().nullable().optional(),
  revision: z.string().nullable().optional(),
  project: z.string().nullable().optional(),
  repository: z.string().nullable().optional(),
});

export const bbBuildSchema = z.object({
  buildid: z.number().int(),
  number: z.number().int(),
  builderid: z.number().int(),
  buildrequestid: z.number().int(),
  complete: z.boolean(),
  results: z.number().int().nullable().optional(),
  state_string: z.string().nullable().optional(),
  started_at: epoch,
  complete_at: epoch,
  properties,
  // Present in HttpStatusPush posts, not in REST answers.
  buildset: z.object({ bsid: z.number().int(), sourcestamps: z.array(sourcestamp).optional() }).optional(),
  builder: z.object({ name: z.string() }).optional(),
});
export type BbBuild = z.infer<typeof bbBuildSchema>;

export const bbStepSchema = z.object({
  stepid: z.number().int(),
  number: z.number().int(),
  name: z.string(),
  buildid: z.number().int(),
  complete: z.boolean(),
  results: z.number().int().nullable().optional(),
  state_string: z.string().nullable().optional(),
  started_at: epoch,
  complete_at: epoch,
  hidden: z.boolean().optional(),
});
export type BbStep = z.infer<typeof bbStepSchema>;

export const bbBuildRequestSchema = z.object({
  buildrequestid: z.number().int(),
  buildsetid: z.number().int(),
  builderid: z.number().int(),
  complete: z.boolean(),
  results: z.number().int().nullable().optional(),
  submitted_at: epoch,
  complete_at: epoch,
  // The buildset's properties, when fetched with `?property=NAME` (null otherwise).
  properties: properties.nullable(),
});
export type BbBuildRequest = z.infer<typeof bbBuildRequestSchema>;

export const bbLogSchema = z.object({
  logid: z.number().int(),
  name: z.string(),
  slug: z.string().optional(),
  stepid: z.number().int(),
  type: z.string().optional(),
});
export type BbLog = z.infer<typeof bbLogSchema>;

/** A build property's value, or undefined when absent. */
export function propertyOf(
  build: { readonly properties?: Readonly<Record<string, readonly [unknown, string]>> | null },
  name: string,
): unknown {
  const entry = build.properties?.[name];
  return entry ? entry[0] : undefined;
}
