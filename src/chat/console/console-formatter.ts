import type { Config, RepoConfig } from "../../config/config.js";
import { backendPageLink } from "../../core/backend-link.js";
import { type Build, durationMs, isFinal, STATUS_WORDS, shortSha } from "../../core/build.js";
import { formatDuration } from "../../core/format-duration.js";
import { filterOf } from "../../notify/notify-policy.js";
import type { Excerpt, StatusFormatter } from "../../notify/ports.js";
import { routeChannel } from "../route-channel.js";

/**
 * The console's StatusFormatter: plain text for a terminal, a post when a build starts and one when
 * it finishes (as a webhook would post them). No markup, no mentions, no buttons: nobody clicks a
 * terminal. What a build's text could carry to a terminal is made inert when it is printed
 * (console-transport.ts).
 */

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
          payload: post(build, text, details(build, excerpt)),
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

function details(build: Build, excerpt: Excerpt | null): string[] {
  const lines: string[] = [];
  if (build.failingStep) lines.push(`Failing command: ${build.failingStep}`);
  if (build.reason) lines.push(`Reason: ${build.reason}`);
  const page = backendPageLink(build);
  if (page) lines.push(`Buildbot: ${page}`);
  if (excerpt) {
    lines.push(`Output of step ${excerpt.step.index + 1}, ${excerpt.step.name}:`);
    lines.push(...excerpt.text.split("\n").map((line) => `  ${line}`));
  }
  return lines;
}
