import { describe, expect, it } from "vitest";
import {
  compileReportGlob,
  type GlobSegment,
  matchesSegment,
  type ReportGlob,
} from "../../../src/core/report-glob.js";

function compiled(pattern: string): ReportGlob {
  const glob = compileReportGlob(pattern);
  if (typeof glob === "string") throw new Error(`${pattern} ${glob}`);
  return glob;
}

/** Whether a path matches, walking the segments as the runner does (`**` matches zero or more names). */
function matches(pattern: string, file: string): boolean {
  const walk = (segments: readonly GlobSegment[], names: readonly string[]): boolean => {
    const [segment, ...rest] = segments;
    if (!segment) return names.length === 0;
    if (segment.kind === "globstar") {
      for (let k = 0; k <= names.length; k++) {
        if (names.slice(0, k).some((name) => name.startsWith("."))) return false;
        if (walk(rest, names.slice(k))) return true;
      }
      return false;
    }
    const [name, ...more] = names;
    if (name === undefined) return false;
    const ok = segment.kind === "literal" ? segment.name === name : matchesSegment(segment, name);
    return ok && walk(rest, more);
  };
  return walk(compiled(pattern).segments, file.split("/"));
}

describe("compileReportGlob", () => {
  it.each([
    ["reports/junit.xml", "reports/junit.xml", true],
    ["reports/*.xml", "reports/a.xml", true],
    ["reports/*.xml", "reports/sub/a.xml", false],
    ["reports/*.xml", "reports/.hidden.xml", false],
    ["reports/.*.xml", "reports/.hidden.xml", true],
    ["**/junit.xml", "junit.xml", true],
    ["**/junit.xml", "a/b/c/junit.xml", true],
    ["**/junit.xml", ".git/junit.xml", false],
    ["target/surefire-reports/TEST-*.xml", "target/surefire-reports/TEST-com.acme.AppTest.xml", true],
    ["build/test-results/**/*.xml", "build/test-results/test/TEST-x.xml", true],
    ["build/test-results/**/*.xml", "build/test-results/TEST-x.xml", true],
    ["report-?.xml", "report-1.xml", true],
    ["report-?.xml", "report-10.xml", false],
    ["report-[0-9].xml", "report-7.xml", true],
    ["report-[!0-9].xml", "report-7.xml", false],
    ["report-[!0-9].xml", "report-a.xml", true],
    ["./reports/*.xml", "reports/a.xml", true],
    ["a.b/*.xml", "axb/c.xml", false],
    ["(x)+/*.xml", "(x)+/c.xml", true],
  ])("%s against %s: %s", (pattern, file, expected) => {
    expect(matches(pattern, file)).toBe(expected);
  });

  it("opens literal segments directly and keeps one ** for **/**", () => {
    expect(compiled("a/**/**/b/*.xml").segments.map((s) => s.kind)).toEqual([
      "literal",
      "globstar",
      "literal",
      "wildcard",
    ]);
  });

  it.each([
    ["/etc/shadow", /absolute/],
    ["../other/junit.xml", /contains \.\./],
    ["reports/../../x.xml", /contains \.\./],
    ["reports\\*.xml", /backslash/],
    ["reports//x.xml", /empty path segment/],
    ["reports/", /empty path segment/],
    ["reports/**", /ends with \*\*/],
    ["reports/a**.xml", /stands alone/],
    ["reports/[a.xml", /unclosed \[/],
    ["reports/\nx.xml", /control character/],
    [".", /names no file/],
  ])("refuses %j", (pattern, why) => {
    const glob = compileReportGlob(pattern);
    expect(typeof glob).toBe("string");
    expect(glob).toMatch(why);
  });
});
