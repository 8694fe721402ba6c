import { describe, expect, it } from "vitest";
import type { TestReport } from "../../../src/core/test-report.js";
import { renderTestResults } from "../../../src/web/test-results-view.js";
import { makeBuild } from "../../fakes/make-build.js";

/** The build page's Tests section (issue 21): counts, failed tests linked to their log lines, flaky tests, notes. */

const HOSTILE = `<script>alert(1)</script>`;

function report(overrides: Partial<TestReport> = {}): TestReport {
  return {
    passed: 12,
    failed: 3,
    skipped: 1,
    files: 2,
    failures: [
      {
        name: "test_login",
        classname: "tests.test_auth",
        message: "AssertionError: wrong user",
        output: "def test_login():\n>   assert 1 + 1 == 3",
        step: 1,
        line: 42,
      },
      { name: HOSTILE, classname: "", message: HOSTILE, output: HOSTILE, step: 0, line: null },
    ],
    flaky: [{ name: "test_cache", classname: "m", step: 1, failedIn: 7 }],
    notes: ["reports/link.xml is a symbolic link: not read"],
    ...overrides,
  };
}

const page = (tests: TestReport | undefined) =>
  String(
    renderTestResults(
      makeBuild({
        status: "failed",
        steps: [
          { index: 0, name: "make", status: "succeeded", exitCode: 0, startedAt: 1, finishedAt: 2 },
          { index: 1, name: "pytest", status: "failed", exitCode: 1, startedAt: 2, finishedAt: 3 },
        ],
        ...(tests ? { tests } : {}),
      }),
    ),
  );

describe("renderTestResults", () => {
  it("shows passed, failed and skipped counts and how many reports were read", () => {
    const text = page(report()).replace(/<[^>]+>/g, "");
    expect(text).toContain("✔ 12 passed");
    expect(text).toContain("✖ 3 failed");
    expect(text).toContain("– 1 skipped");
    expect(text).toContain("from 2 reports");
  });

  it("shows each failed test with its message and the start of its output, linked to its log line", () => {
    const html = page(report());
    expect(html).toContain(`<code class="test-name">test_login</code>`);
    expect(html).toContain(`<a href="#L2-42">step 2, line 42</a>`);
    expect(html).toContain(`<p class="test-message">AssertionError: wrong user</p>`);
    expect(html).toContain("&gt;   assert 1 + 1 == 3</pre>");
    // No log line names the second: it links to its step's output.
    expect(html).toContain(`<a href="#step-1">output of step 1</a>`);
  });

  it("escapes the build's texts", () => {
    const html = page(report());
    expect(html).not.toContain(HOSTILE);
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
  });

  it("says how many failed tests are not shown, and what was not read", () => {
    const html = page(report({ failed: 60 }));
    expect(html).toContain(
      "58 more failed tests are counted but not shown (runner.test_reports.max_failures)",
    );
    expect(html).toContain("<li>reports/link.xml is a symbolic link: not read</li>");
  });

  it("marks flaky tests, linking the build they failed in", () => {
    const html = page(report());
    expect(html).toContain(
      `<span class="badge flaky">flaky</span> <code class="test-name">test_cache</code> <span class="muted">m</span>: passed here, failed in <a href="/builds/7">#7</a> on the same commit`,
    );
  });

  it("is absent for a build that read no report", () => {
    expect(page(undefined)).toBe("");
  });
});
