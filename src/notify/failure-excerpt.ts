import type { Build, Step } from "../core/build.js";
import { maskText } from "../core/mask-secrets.js";

/**
 * The useful part of a failure, for chat: the failing command's last lines, preceded by its first
 * error-looking lines when those scrolled out of that window (a compiler's first error is usually
 * the real one; the tail is often just "make: *** Error 2"). Pure; the log comes in as text.
 */

export interface ExcerptOptions {
  /** Lines kept from the end of the log. */
  readonly tailLines?: number;
  /** Lines kept from the first error-looking line, when it lies before the tail. */
  readonly errorLines?: number;
  /** Budget for the whole excerpt, in runes; far below Mattermost's 16383 per post. */
  readonly maxRunes?: number;
  /** Masked again here: the runner masks logs on disk, but a second pass costs nothing. */
  readonly secrets?: readonly string[];
}

export type { Excerpt } from "./ports.js";

const ERROR_LINE = /\b(error|errors|fatal|failed|failure|exception|panic|traceback|assert(ion)?)\b/i;
const MAX_LINE_RUNES = 300;
const GAP = "…";

/** The step that decided a failed or timed-out build, if the build says which. */
export function failingStep(build: Build): Step | undefined {
  return (
    build.steps.find((step) => step.status === "failed" || step.status === "timed_out") ??
    (build.failingStep ? build.steps.find((step) => step.name === build.failingStep) : undefined)
  );
}

export function extractFailureExcerpt(log: string, options: ExcerptOptions = {}): string | null {
  const tailLines = options.tailLines ?? 20;
  const errorLines = options.errorLines ?? 5;
  const maxRunes = options.maxRunes ?? 4000;
  const lines = cleanLog(maskText(log, options.secrets ?? []))
    .split("\n")
    .map((line) => cutLine(line.trimEnd()));
  while (lines.length > 0 && lines.at(-1) === "") lines.pop();
  if (lines.length === 0) return null;

  const tailStart = Math.max(0, lines.length - tailLines);
  const firstError = lines.findIndex((line) => ERROR_LINE.test(line));
  const picked =
    firstError >= 0 && firstError < tailStart
      ? [
          ...lines.slice(firstError, Math.min(firstError + errorLines, tailStart)),
          ...(firstError + errorLines < tailStart ? [GAP] : []),
          ...lines.slice(tailStart),
        ]
      : lines.slice(tailStart);
  return fitRunes(picked, maxRunes);
}

/**
 * Makes an excerpt inert inside a Markdown code block: a fence in the log cannot close ours, and
 * `@name`/`@channel` in a log never notifies anyone.
 */
export function codeBlock(text: string): string {
  const inert = text.replace(/`{3,}/g, (fence) => fence.split("").join("\u200b")).replace(/@/g, "@\u200b");
  return `\`\`\`\n${inert}\n\`\`\``;
}

/** Drops ANSI colour/cursor codes and keeps what a terminal would show after a carriage return. */
function cleanLog(text: string): string {
  return (
    text
      // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences start with ESC
      .replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, "")
      .split("\n")
      .map((line) => line.slice(line.replace(/\r+$/, "").lastIndexOf("\r") + 1).replace(/\r/g, ""))
      // biome-ignore lint/suspicious/noControlCharactersInRegex: other control characters are noise in chat
      .map((line) => line.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, ""))
      .join("\n")
  );
}

function cutLine(line: string): string {
  const runes = Array.from(line);
  return runes.length <= MAX_LINE_RUNES ? line : `${runes.slice(0, MAX_LINE_RUNES - 1).join("")}${GAP}`;
}

/** Keeps the end (where failures are) when the excerpt is over budget. */
function fitRunes(lines: readonly string[], maxRunes: number): string {
  const kept: string[] = [];
  let used = 0;
  for (let index = lines.length - 1; index >= 0; index--) {
    const line = lines[index] as string;
    const cost = Array.from(line).length + 1;
    if (used + cost > maxRunes) {
      kept.unshift(GAP);
      break;
    }
    kept.unshift(line);
    used += cost;
  }
  return kept.join("\n");
}
