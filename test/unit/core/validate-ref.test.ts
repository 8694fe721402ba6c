import { describe, expect, it } from "vitest";
import { SlashbuildError } from "../../../src/core/errors.js";
import {
  branchNameProblem,
  checkBranchName,
  checkRevision,
  validateBranchName,
  validateRevision,
} from "../../../src/core/validate-ref.js";

function refusal(fn: () => unknown): SlashbuildError {
  try {
    fn();
  } catch (error) {
    if (error instanceof SlashbuildError) return error;
    throw error;
  }
  throw new Error("expected a SlashbuildError");
}

describe("checkBranchName", () => {
  it.each([
    "main",
    "master",
    "feature/login-page",
    "release/1.2.3",
    "fix_bug-42",
    "user@host",
    "a#b",
    "v1.0",
    "feature/ümlaut-ß",
    "日本語",
    "x".repeat(255),
  ])("accepts %j", (name) => {
    expect(checkBranchName(name)).toBe(name);
    expect(validateBranchName(name)).toEqual({ ok: true, value: name });
  });

  it.each([
    ["--upload-pack=touch /tmp/x", "start with '-'"],
    ["-x", "start with '-'"],
    ["-", "start with '-'"],
    ["main;touch x", "';'"],
    ["$(touch x)", "'$'"],
    ["`id`", "'`'"],
    ["a|b", "'|'"],
    ["a&b", "'&'"],
    ["a>b", "'>'"],
    ["a<b", "'<'"],
    ["it's", "'''"],
    ['say"hi"', `'"'`],
    ["a{b}", "'{'"],
    ["wow!", "'!'"],
    ["a b", "spaces"],
    ["a\tb", "spaces"],
    ["a\nb", "spaces"],
    ["a\u0000b", "U+0000"],
    ["a\u007fb", "U+007F"],
    ["main\u202e", "U+202E"],
    ["zero\u200bwidth", "U+200B"],
    ["no\u00a0break", "U+00A0"],
    ["a~1", "'~'"],
    ["a^2", "'^'"],
    ["a:b", "':'"],
    ["a?b", "'?'"],
    ["a*b", "'*'"],
    ["a[b", "'['"],
    ["a\\b", "'\\'"],
    ["a..b", "'..'"],
    ["..", "'..'"],
    ["a@{1}", "'{'"],
    ["@", "'@' alone"],
    ["HEAD", "'HEAD'"],
    ["foo.lock", "'.lock'"],
    ["refs/foo.lock/bar", "'.lock'"],
    [".hidden", "start with '.'"],
    ["feature/.hidden", "start with '.'"],
    ["trailing/", "end with '/'"],
    ["/leading", "start or end with '/'"],
    ["a//b", "'//'"],
    ["dot.", "end with '.'"],
    ["", "empty"],
    ["x".repeat(300), "at most 255 bytes"],
    ["é".repeat(128), "at most 255 bytes"],
  ])("refuses %j", (name, why) => {
    const verdict = validateBranchName(name);
    expect(verdict.ok).toBe(false);
    const error = refusal(() => checkBranchName(name));
    expect(error.code).toBe("BRANCH_MALFORMED");
    expect(error.httpStatus).toBe(400);
    expect(error.message).toContain(why);
    // Every refusal says what to do next.
    expect(error.message).toContain("type the branch as it appears in `git branch`");
  });

  it("refuses `@{` as git does, not only for its brace", () => {
    expect(branchNameProblem("a@{b")).toMatch(/'\{'|'@\{'/);
  });

  it("says exactly what is wrong with a leading dash", () => {
    expect(refusal(() => checkBranchName("-x")).message).toBe(
      "Branch names may not start with '-'; type the branch as it appears in `git branch`.",
    );
  });
});

describe("checkRevision", () => {
  it.each([
    ["abcd", "abcd"],
    ["3F9C2AB", "3f9c2ab"],
    ["0123456789abcdef0123456789abcdef01234567", "0123456789abcdef0123456789abcdef01234567"],
    ["a".repeat(64), "a".repeat(64)],
  ])("accepts %j as %j", (input, normalised) => {
    expect(checkRevision(input)).toBe(normalised);
    expect(validateRevision(input)).toEqual({ ok: true, value: normalised });
  });

  it.each([
    "abc",
    "a".repeat(65),
    "HEAD",
    "HEAD~1",
    "main",
    "g123456",
    "-abcd",
    "--upload-pack=x",
    "abcd;id",
    "$(id)",
    "abcd ",
    " abcd",
    "abcd\n",
    "",
    "１２３４",
  ])("refuses %j", (input) => {
    expect(validateRevision(input).ok).toBe(false);
    const error = refusal(() => checkRevision(input));
    expect(error.code).toBe("REVISION_MALFORMED");
    expect(error.message).toContain("4 to 64 hex digits");
  });
});
