import type { Config, RepoConfig } from "../../config/config.js";
import { artifactSummary, artifactsUrl, describeArtifacts } from "../../core/artifacts.js";
import { backendPageLink } from "../../core/backend-link.js";
import { type Build, durationMs, isFinal, STATUS_WORDS, shortSha } from "../../core/build.js";
import { formatDuration } from "../../core/format-duration.js";
import { nameList, showsExcerpt, type TestReport, testCounts } from "../../core/test-report.js";
import { filterOf } from "../../notify/notify-policy.js";
import type { Excerpt, StatusFormatter } from "../../notify/ports.js";
import { routeChannel } from "../route-channel.js";

/**
 * The console's StatusFormatter: plain text for a terminal, a post when a build starts and one when
 * it finishes (as a webhook would post them). No markup, no mentions, no buttons: nobody clicks a
 * terminal. What a build's text could carry to a terminal is made inert when it is printed
 * (console-transport.ts).
 */

/** Failed tests named in a post; the rest are counted. */
const NAMED = 2;

/** One printed post: the channel routing named (printed as its label), a headline, detail lines. */
export interface ConsolePost {
  readonly channel: string | null;
  readonly text: string;
  readonly details: readonly string[];
}

export function consoleFormatter(config: Config): StatusFormatter {
  const repoOf = (build: Build): RepoConfig | undefined =>
    Object.hasOwn(config.repos, build.repo) ? config.repos[build.repo] : undefined;
  const post = (build: Build, text: string, details: readonly string[]): ConsolePost => ({
    channel: routeChannel(repoOf(build), build.branch),
    text,
    details: [...details, `${config.publicUrl}/builds/${build.id}`],
  });
  return {
    queued: () => [],
    started: (build) => [
      {
        kind: "build_started",
        payload: post(build, `${subject(build)} started for ${build.requester}.`, []),
      },
    ],
    progressed: () => [],
    finished: (build, excerpt) => {
      const status = isFinal(build.status) ? build.status : "interrupted";
      const took = durationMs(build);
      const result = `${STATUS_WORDS[status]}${took === null ? "" : ` after ${formatDuration(took)}`}`;
      const text = `${subject(build)} ${result}. Requested by ${build.requester}.`;
      // A start post still waiting (an outage) is stale once the finish says it all.
      return [
        {
          kind: "build_finished",
          payload: post(build, text, details(build, excerpt, config.publicUrl)),
          supersedes: ["build_started"],
        },
      ];
    },
    destination: (build) => {
      const routed = routeChannel(repoOf(build), build.branch);
      return {
        where: routed ? { kind: "channel", name: routed } : { kind: "console" },
        when: filterOf(repoOf(build)),
      };
    },
  };
}

function subject(build: Build): string {
  return `Build [#${build.id}] of ${build.repo} (branch ${build.branch} at ${shortSha(build.sha)})`;
}

function details(build: Build, excerpt: Excerpt | null, publicUrl: string): string[] {
  const lines: string[] = [];
  if (build.failingStep) lines.push(`Failing command: ${build.failingStep}`);
  if (build.reason) lines.push(`Reason: ${build.reason}`);
  const page = backendPageLink(build);
  if (page) lines.push(`Buildbot: ${page}`);
  const artifacts = artifactSummary(build);
  if (artifacts) lines.push(`Artifacts: ${describeArtifacts(artifacts)}, ${artifactsUrl(publicUrl, build)}`);
  if (build.tests) lines.push(...testLines(build.tests));
  if (excerpt && showsExcerpt(build.tests)) {
    lines.push(`Output of step ${excerpt.step.index + 1}, ${excerpt.step.name}:`);
    lines.push(...excerpt.text.split("\n").map((line) => `  ${line}`));
  }
  return lines;
}

/** "Tests: 12 passed, 3 failed", the failed tests by name with their messages, the flaky ones. */
function testLines(report: TestReport): string[] {
  const lines = [`Tests: ${testCounts(report)}`];
  if (report.failed > 0) {
    const names = nameList(
      report.failures.map((failure) => failure.name),
      report.failed,
      NAMED,
      (name) => name,
    );
    lines.push(`${report.failed} ${report.failed === 1 ? "test" : "tests"} failed: ${names}`);
    for (const failure of report.failures.slice(0, NAMED))
      lines.push(`  ${failure.name}: ${failure.message}`);
  }
  if (report.flaky.length > 0) {
    const named = report.flaky.map((flaky) => `${flaky.name} (failed in #${flaky.failedIn})`);
    lines.push(
      `Flaky, failed before on this commit: ${nameList(named, named.length, NAMED, (text) => text)}`,
    );
  }
  return lines;
}
