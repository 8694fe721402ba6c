/**
 * What a build's JUnit XML reports said (`repos.<name>.test_reports`): counts, and the failed tests
 * with their messages, for the chat post and the build page. Plain data, stored with the build.
 * Every text in it came from the build and was masked before it was stored.
 */

export interface FailedTest {
  /** The testcase's name (`test_login`, `auth > logs in`). */
  readonly name: string;
  /** Its classname attribute (the module, class or file); "" when the report has none. */
  readonly classname: string;
  /** The failure's message attribute, or its first line; bounded. */
  readonly message: string;
  /** The start of what it printed: the failure's text, then its system-out and system-err; bounded. */
  readonly output: string;
  /** 0-based step after which its report was read. */
  readonly step: number;
  /** 1-based line of that step's log that names the test; null when the log does not. */
  readonly line: number | null;
}

/** A test that passed here and failed in an earlier build of the same repo and commit. */
export interface FlakyTest {
  readonly name: string;
  readonly classname: string;
  readonly step: number;
  /** The build in which it failed. */
  readonly failedIn: number;
}

export interface TestReport {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  /** Report files read. */
  readonly files: number;
  /** The failed tests, in report order, at most `runner.test_reports.max_failures` of them. */
  readonly failures: readonly FailedTest[];
  readonly flaky: readonly FlakyTest[];
  /**
   * What was not read whole or at all, in a sentence each (a symbolic link refused, a file over
   * the size cap, XML that is not well-formed); bounded.
   */
  readonly notes: readonly string[];
}

/**
 * "`a`, `b`, and 1 more": the first `shown` names, each made inline code by `code`, and how many
 * more there are (`total` may exceed the names known: failures past the stored cap).
 */
export function nameList(
  names: readonly string[],
  total: number,
  shown: number,
  code: (name: string) => string,
): string {
  const listed = names.slice(0, shown).map(code);
  const more = Math.max(0, total - listed.length);
  if (more > 0) listed.push(`${more} more`);
  if (listed.length <= 1) return listed.join("");
  if (listed.length === 2) return `${listed[0]} and ${listed[1]}`;
  return `${listed.slice(0, -1).join(", ")}, and ${listed.at(-1)}`;
}

/** "12 passed, 3 failed, 1 skipped" (the parts that are not zero; "no tests" when all are). */
export function testCounts(report: Pick<TestReport, "passed" | "failed" | "skipped">): string {
  const parts = (["passed", "failed", "skipped"] as const)
    .filter((key) => report[key] > 0)
    .map((key) => `${report[key]} ${key}`);
  return parts.length > 0 ? parts.join(", ") : "no tests";
}

/** Whether a failure post quotes the log's last lines: not when a test report names the failed tests. */
export function showsExcerpt(report: TestReport | null | undefined): boolean {
  return !report || report.failed === 0;
}
