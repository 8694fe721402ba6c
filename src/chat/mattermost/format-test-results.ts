import { code } from "../../core/format-reply.js";
import { maskText } from "../../core/mask-secrets.js";
import { nameList, type TestReport } from "../../core/test-report.js";
import { escapeMarkdown } from "./escape-markdown.js";

/**
 * What a finish post says of a build's test reports (issue 21): the failed tests by name, with the
 * message of each one named, and the flaky ones. Test names are the build's text: masked, made
 * inline code (`code`), and kept from mentioning anyone or linking a channel.
 */

/** Failed tests named in the sentence (the rest are counted); each named one gets its message. */
export const NAMED_TESTS = 2;
/** Runes of a failure's message in a post: one line. */
const MESSAGE_RUNES = 200;

/**
 * "3 tests failed: `test_login`, `test_logout`, and 1 more." with a line per named test and its
 * message, then the flaky tests, then the log excerpt when no report names a failure; null when
 * there is none of these.
 */
export function failedTestsText(
  report: TestReport | null | undefined,
  secrets: readonly string[],
): string | null {
  if (!report) return null;
  const lines: string[] = [];
  const testName = (name: string) => inertName(name, secrets);
  if (report.failed > 0) {
    const names = report.failures.map((failure) => failure.name);
    const noun = report.failed === 1 ? "test" : "tests";
    lines.push(
      `**${report.failed} ${noun} failed**: ${nameList(names, report.failed, NAMED_TESTS, testName)}.`,
    );
    for (const failure of report.failures.slice(0, NAMED_TESTS)) {
      const message = oneLine(maskText(failure.message, secrets));
      if (message) lines.push(`- ${testName(failure.name)}: ${escapeMarkdown(message)}`);
    }
  }
  if (report.flaky.length > 0) {
    const noun = report.flaky.length === 1 ? "test" : "tests";
    const named = report.flaky.map((flaky) => `${testName(flaky.name)} (failed in #${flaky.failedIn})`);
    const list = nameList(named, report.flaky.length, NAMED_TESTS, (text) => text);
    lines.push(
      `:warning: ${report.flaky.length} flaky ${noun}, failed before on this commit and passed now: ${list}.`,
    );
  }
  return lines.length > 0 ? lines.join("\n") : null;
}

/** A test's name as inline code that mentions nobody and links nothing. */
function inertName(name: string, secrets: readonly string[]): string {
  const folded = maskText(name, secrets)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: a name is one line
    .replace(/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g, " ")
    .replace(/[@~<]/g, "$&\u200b");
  return code(folded);
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  const runes = Array.from(line);
  return runes.length > MESSAGE_RUNES ? `${runes.slice(0, MESSAGE_RUNES - 1).join("")}…` : line;
}
