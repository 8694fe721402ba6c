import { type BuildStatus, STATUS_WORDS } from "../core/build.js";
import type { BuildFilter } from "../core/ports.js";

/** Builds per page of the list. */
export const PAGE_SIZE = 25;

export interface ListQuery {
  /** What to ask the store for (without the limit). */
  readonly filter: Omit<BuildFilter, "limit">;
  /** The filter form's values, as typed (empty strings when unset). */
  readonly values: {
    readonly repo: string;
    readonly branch: string;
    readonly status: string;
    readonly requester: string;
  };
  /** Values that were ignored, with why, to show above the list. */
  readonly problems: readonly string[];
}

function text(query: Record<string, unknown>, key: string, max: number, problems: string[]): string {
  const raw = query[key];
  const value = typeof raw === "string" ? raw.trim() : "";
  if (value.length > max) {
    problems.push(`The ${key} filter is longer than ${max} characters; it was ignored.`);
    return "";
  }
  return value;
}

/**
 * The list's query string (`?repo=&branch=&status=&requester=&before=`) as a store filter. Values
 * are compared for equality by the store (no patterns), so any text is safe; a bad status or page
 * marker is ignored with a note rather than failing the page.
 */
export function parseListQuery(query: Record<string, unknown>): ListQuery {
  const problems: string[] = [];
  const repo = text(query, "repo", 100, problems);
  const branch = text(query, "branch", 255, problems);
  const requester = text(query, "requester", 100, problems).replace(/^@/, "");
  let status = text(query, "status", 20, problems);
  if (status !== "" && !Object.hasOwn(STATUS_WORDS, status)) {
    problems.push(`There is no status "${status}"; showing every status.`);
    status = "";
  }
  const beforeText = text(query, "before", 15, problems);
  let beforeId: number | undefined;
  if (beforeText !== "") {
    if (/^\d+$/.test(beforeText) && Number(beforeText) > 0) beforeId = Number(beforeText);
    else problems.push("The page marker was not a build number; showing the newest builds.");
  }
  const filter: Omit<BuildFilter, "limit"> = {
    ...(repo ? { repo } : {}),
    ...(branch ? { branch } : {}),
    ...(status ? { status: status as BuildStatus } : {}),
    ...(requester ? { requester } : {}),
    ...(beforeId !== undefined ? { beforeId } : {}),
  };
  return { filter, values: { repo, branch, status, requester }, problems };
}

/** The list URL for these filters and page marker (empty values left out). */
export function listUrl(values: ListQuery["values"], beforeId?: number): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) if (value) params.set(key, value);
  if (beforeId !== undefined) params.set("before", String(beforeId));
  const search = params.toString();
  return search ? `/?${search}` : "/";
}
