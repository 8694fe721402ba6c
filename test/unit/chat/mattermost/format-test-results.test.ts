import { describe, expect, it } from "vitest";
import { formatBuildFinished } from "../../../../src/chat/mattermost/format-build-message.js";
import { formatFinishReply } from "../../../../src/chat/mattermost/format-build-post.js";
import type { Build, Step } from "../../../../src/core/build.js";
import type { FailedTest, TestReport } from "../../../../src/core/test-report.js";
import { makeBuild } from "../../../fakes/make-build.js";

/**
 * Issue 21: the failure post names the failed tests, keeps the log tail for failures no report
 * explains, and marks flaky tests; the names are the build's text, kept inert.
 */

const options = { publicUrl: "http://ci.example.com", secrets: ["hunter2-secret"] };
const STEP: Step = { index: 0, name: "pytest", status: "failed", exitCode: 1, startedAt: 1, finishedAt: 2 };
const EXCERPT = { step: STEP, text: "E   AssertionError\n3 failed, 2 passed" };

const failure = (name: string, message = `${name} broke`): FailedTest => ({
  name,
  classname: "tests.test_auth",
  message,
  output: "",
  step: 0,
  line: null,
});

function report(overrides: Partial<TestReport> = {}): TestReport {
  return {
    passed: 12,
    failed: 3,
    skipped: 1,
    files: 1,
    failures: ["test_login", "test_logout", "test_signup"].map((name) => failure(name)),
    flaky: [],
    notes: [],
    ...overrides,
  };
}

const failed = (tests: TestReport | null): Build =>
  makeBuild({ status: "failed", finishedAt: 1_013_000, steps: [STEP], ...(tests ? { tests } : {}) });

describe("the finish post and test reports", () => {
  it("names the first two failed tests and counts the rest, each named one with its message", () => {
    const reply = formatFinishReply(failed(report()), EXCERPT, options);
    expect(reply).toContain("**3 tests failed**: `test_login`, `test_logout`, and 1 more.");
    expect(reply).toContain("- `test_login`: test\\_login broke");
    expect(reply).not.toContain("test_signup");
    // The report names the failures: the log tail is left out.
    expect(reply).not.toContain("3 failed, 2 passed");
    const webhook = formatBuildFinished(failed(report()), { ...options, excerpt: EXCERPT });
    const attachment = webhook.attachments?.[0];
    expect(attachment?.text).toContain("**3 tests failed**: `test_login`, `test_logout`, and 1 more.");
    expect(attachment?.fields).toContainEqual({
      title: "Tests",
      value: "12 passed, 3 failed, 1 skipped",
      short: true,
    });
  });

  it("counts failures past the kept ones, and says one test in the singular", () => {
    const capped = report({ failed: 60, failures: [failure("a_test"), failure("b_test")] });
    expect(formatFinishReply(failed(capped), null, options)).toContain(
      "**60 tests failed**: `a_test`, `b_test`, and 58 more.",
    );
    const one = report({ failed: 1, failures: [failure("only_test")] });
    expect(formatFinishReply(failed(one), null, options)).toContain("**1 test failed**: `only_test`.");
  });

  it.each([
    ["no report", null],
    ["a report with no failed test", report({ failed: 0, failures: [] })],
  ])("keeps the log tail for a failure with %s", (_, tests) => {
    const reply = formatFinishReply(failed(tests), EXCERPT, options);
    expect(reply).toContain("3 failed, 2 passed");
    expect(reply).not.toContain("tests failed");
  });

  it("marks flaky tests with the build they failed in", () => {
    const tests = report({
      failed: 0,
      failures: [],
      flaky: [{ name: "test_login", classname: "m", step: 0, failedIn: 7 }],
    });
    const reply = formatFinishReply(
      makeBuild({ status: "succeeded", finishedAt: 1_013_000, tests }),
      null,
      options,
    );
    expect(reply).toContain(
      ":warning: 1 flaky test, failed before on this commit and passed now: `test_login` (failed in #7).",
    );
  });

  it("keeps a hostile test name inert: no mention, no channel link, no code break-out, secrets masked", () => {
    const tests = report({
      failed: 1,
      failures: [failure("@channel `x` ~town hunter2-secret <!here>", "@all hunter2-secret")],
    });
    const reply = formatFinishReply(failed(tests), null, options);
    expect(reply).not.toMatch(/@channel|@all|~town|<!here>/);
    expect(reply).not.toContain("hunter2-secret");
    expect(reply).toContain("`@\u200bchannel 'x' ~\u200btown **** <\u200b!here>`");
  });
});
