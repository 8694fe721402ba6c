/**
 * Globs of files in a build's working copy (`test_reports`), compiled segment by segment, so the
 * runner can walk the working copy one directory at a time: a literal segment is opened directly,
 * a wildcard one lists its directory, and `**` descends. Shell rules: `*` and `?` match within one
 * name, `[abc]`/`[a-z]`/`[!a]` match one character, `**` alone as a segment matches any number of
 * directories (none included); a name starting with `.` is matched only by a segment that starts
 * with `.`. There is no escape character, and no way out of the working copy: absolute patterns,
 * `..` and empty segments are refused. Pure; config/ checks patterns with it at load.
 */

export type GlobSegment =
  | { readonly kind: "literal"; readonly name: string }
  | { readonly kind: "wildcard"; readonly regex: RegExp; readonly dot: boolean }
  | { readonly kind: "globstar" };

export interface ReportGlob {
  readonly pattern: string;
  readonly segments: readonly GlobSegment[];
}

/** The pattern's segments, or a sentence saying why it is refused. */
export function compileReportGlob(pattern: string): ReportGlob | string {
  if (pattern.startsWith("/")) {
    return "is an absolute path: globs are relative to the build's working copy (e.g. reports/*.xml)";
  }
  if (pattern.includes("\\"))
    return "contains a backslash: use [*] for a literal * (there is no escape character)";
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(pattern)) return "contains a control character";
  const parts = pattern.split("/").filter((part) => part !== ".");
  if (parts.length === 0) return "names no file";
  if (parts.includes("..")) return "contains ..: reports are read inside the build's working copy only";
  if (parts.includes("")) return "has an empty path segment (// or a trailing /)";
  if (parts.at(-1) === "**") return "ends with **: name the files, e.g. **/*.xml";
  const segments: GlobSegment[] = [];
  for (const part of parts) {
    const segment = compileSegment(part);
    if (typeof segment === "string") return segment;
    // `**/**` is one `**`.
    if (segment.kind === "globstar" && segments.at(-1)?.kind === "globstar") continue;
    segments.push(segment);
  }
  return { pattern, segments };
}

function compileSegment(part: string): GlobSegment | string {
  if (part === "**") return { kind: "globstar" };
  if (part.includes("**")) return `has ** inside a name (${part}): ** stands alone between slashes`;
  if (!/[*?[]/.test(part)) return { kind: "literal", name: part };
  let regex = "";
  for (let i = 0; i < part.length; i++) {
    const c = part[i] as string;
    if (c === "*") regex += "[^/]*";
    else if (c === "?") regex += "[^/]";
    else if (c === "[") {
      const end = part.indexOf("]", i + 2);
      if (end === -1) return `has an unclosed [ in ${part}`;
      const body = part.slice(i + 1, end);
      const negated = body.startsWith("!");
      const chars = (negated ? body.slice(1) : body).replace(/[\\^\]]/g, "\\$&");
      regex += negated ? `[^/${chars}]` : `[${chars}]`;
      i = end;
    } else regex += c.replace(/[.+^${}()|\]\\]/g, "\\$&");
  }
  return { kind: "wildcard", regex: new RegExp(`^${regex}$`, "u"), dot: part.startsWith(".") };
}

/** Whether a directory entry's name matches a wildcard segment (a leading dot only when asked for). */
export function matchesSegment(segment: Extract<GlobSegment, { kind: "wildcard" }>, name: string): boolean {
  if (name.startsWith(".") && !segment.dot) return false;
  return segment.regex.test(name);
}
