import { SlashbuildError, sentence } from "./errors.js";

/**
 * Checks on the branch and revision a person typed in chat, before they go anywhere near git.
 * Branch names follow `git check-ref-format --branch`, then slashbuild refuses more than git does:
 * shell metacharacters and whitespace never name a real branch anyone wants to build, and refusing
 * them means a mistake elsewhere (a log line pasted into a shell, a URL) cannot turn into an exploit.
 */

export type RefVerdict =
  | { readonly ok: true; readonly value: string }
  | { readonly ok: false; readonly reason: string };

/** Longest accepted branch name in UTF-8 bytes: a ref is a file name, and most file systems stop at 255. */
const MAX_BRANCH_BYTES = 255;

const HINT = "type the branch as it appears in `git branch`";

/** git's forbidden characters (control characters, space and `~^:?*[\`), checked one by one for a precise message. */
const GIT_FORBIDDEN = new Set(["~", "^", ":", "?", "*", "[", "\\"]);
/** Characters a shell would interpret; git allows them, slashbuild does not. */
const SHELL_META = new Set(["$", ";", "&", "|", "<", ">", "`", "'", '"', "(", ")", "{", "}", "!"]);
/** Control, format (e.g. bidi overrides, zero-width) and separator characters, ASCII or not. */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Z}\s]/u;

function describe(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
  return code > 0x20 && code < 0x7f ? `'${char}'` : `the invisible character ${hex}`;
}

function characterProblem(name: string): string | null {
  for (const char of name) {
    if (INVISIBLE.test(char)) return `branch names may not contain spaces or ${describe(char)}`;
    if (GIT_FORBIDDEN.has(char)) return `branch names may not contain ${describe(char)}`;
    if (SHELL_META.has(char))
      return `branch names may not contain ${describe(char)} (slashbuild refuses shell characters)`;
  }
  return null;
}

function componentProblem(name: string): string | null {
  if (name.startsWith("/") || name.endsWith("/")) return "branch names may not start or end with '/'";
  if (name.includes("//")) return "branch names may not contain '//'";
  for (const component of name.split("/")) {
    if (component.startsWith(".")) return `no part of a branch name may start with '.' (\`${component}\`)`;
    if (component.endsWith(".lock"))
      return `no part of a branch name may end with '.lock' (\`${component}\`)`;
  }
  return null;
}

/** Why `name` is not an acceptable branch name, or null when it is. */
export function branchNameProblem(name: string): string | null {
  if (name.length === 0) return "the branch name is empty";
  if (Buffer.byteLength(name, "utf8") > MAX_BRANCH_BYTES) {
    return `branch names may be at most ${MAX_BRANCH_BYTES} bytes long`;
  }
  if (name.startsWith("-")) return "branch names may not start with '-'";
  if (name === "@") return "'@' alone is not a branch name";
  if (name === "HEAD") return "'HEAD' is not a branch name";
  const chars = characterProblem(name);
  if (chars) return chars;
  if (name.includes("..")) return "branch names may not contain '..'";
  if (name.includes("@{")) return "branch names may not contain '@{'";
  if (name.endsWith(".")) return "branch names may not end with '.'";
  return componentProblem(name);
}

export function validateBranchName(name: string): RefVerdict {
  const problem = branchNameProblem(name);
  return problem === null ? { ok: true, value: name } : { ok: false, reason: `${problem}; ${HINT}` };
}

/** Returns the branch name unchanged, or throws BRANCH_MALFORMED with what to do. */
export function checkBranchName(name: string): string {
  const verdict = validateBranchName(name);
  if (verdict.ok) return verdict.value;
  throw new SlashbuildError("BRANCH_MALFORMED", `${sentence(verdict.reason)}.`);
}

/** Abbreviated ids shorter than 4 are refused by git itself; 64 is a full SHA-256 object id. */
const REVISION = /^[0-9a-fA-F]{4,64}$/;

export function validateRevision(revision: string): RefVerdict {
  if (REVISION.test(revision)) return { ok: true, value: revision.toLowerCase() };
  return {
    ok: false,
    reason:
      "a revision must be a commit id of 4 to 64 hex digits, e.g. `3f9c2ab` from `git log --oneline`; names such as `HEAD~1` or tags are not accepted",
  };
}

/** Returns the revision in lowercase, or throws REVISION_MALFORMED with what to do. */
export function checkRevision(revision: string): string {
  const verdict = validateRevision(revision);
  if (verdict.ok) return verdict.value;
  throw new SlashbuildError("REVISION_MALFORMED", `${sentence(verdict.reason)}.`);
}
