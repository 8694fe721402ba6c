import { z } from "zod";
import { STATUS_WORDS } from "../../core/build.js";
import { SlashbuildError } from "../../core/errors.js";
import { type ListQuery, PAGE_SIZE, parseListQuery } from "../list-query.js";

/** Builds per page of `GET /api/builds` unless `limit` says otherwise, and the most it may say. */
export const API_PAGE_SIZE = PAGE_SIZE;
export const API_PAGE_MAX = 100;

const STATUSES = Object.keys(STATUS_WORDS) as [string, ...string[]];

/**
 * The list page's query string (list-query.ts) plus `limit`, checked strictly: a script that sends a
 * misspelt key or status must hear so (400), not get every build as the page would show it.
 */
const apiListQuery = z
  .object({
    repo: z.string().max(100).optional(),
    branch: z.string().max(255).optional(),
    status: z.enum(STATUSES, { error: `must be one of ${STATUSES.join(", ")}` }).optional(),
    requester: z.string().max(100).optional(),
    before: z
      .string()
      .regex(/^[1-9]\d{0,14}$/, "must be a build number")
      .optional(),
    limit: z
      .string()
      .regex(/^\d{1,3}$/, `must be a number from 1 to ${API_PAGE_MAX}`)
      .refine((v) => Number(v) >= 1 && Number(v) <= API_PAGE_MAX, `must be from 1 to ${API_PAGE_MAX}`)
      .optional(),
  })
  .strict();

export interface ApiListQuery {
  readonly list: ListQuery;
  readonly limit: number;
}

/** `GET /api/builds`'s query: the same filter as the list page's, or REQUEST_INVALID naming each problem. */
export function parseApiListQuery(query: unknown): ApiListQuery {
  const parsed = apiListQuery.safeParse(query ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) =>
      issue.code === "unrecognized_keys"
        ? `unknown parameter ${issue.keys.join(", ")} (the parameters are ${Object.keys(apiListQuery.shape).join(", ")})`
        : `${issue.path.join(".")} ${issue.code === "invalid_type" ? "must be given once, as text" : issue.message}`,
    );
    throw new SlashbuildError("REQUEST_INVALID", `The query was refused: ${problems.join("; ")}.`);
  }
  const { limit, ...filters } = parsed.data;
  return { list: parseListQuery(filters), limit: limit === undefined ? API_PAGE_SIZE : Number(limit) };
}

/** The URL of the page after the one that ended with build `lastId`, with the same filters and limit. */
export function apiListUrl(query: ApiListQuery, lastId: number): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query.list.values)) if (value) params.set(key, value);
  params.set("before", String(lastId));
  if (query.limit !== API_PAGE_SIZE) params.set("limit", String(query.limit));
  return `/api/builds?${params.toString()}`;
}
