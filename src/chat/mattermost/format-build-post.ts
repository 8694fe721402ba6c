import type { MessageAttachment, MessageAttachmentField } from "@mattermost/types/message_attachments";
import { type Build, durationMs, isFinal, STATUS_WORDS, type Step, shortSha } from "../../core/build.js";
import { formatDuration } from "../../core/format-duration.js";
import type { Excerpt } from "../../notify/failure-excerpt.js";
import type { PostContent } from "./bot-payload.js";
import { type ActionOptions, buildActions } from "./build-actions.js";
import {
  clean,
  excerptText,
  MAX_POST_RUNES,
  maskDeep,
  mentionUser,
  truncateRunes,
} from "./format-build-message.js";
import { blameText, triggerField } from "./format-trigger.js";

/**
 * Bot mode's posts: the one root post per build, rendered whole from the build's current state
 * every time (so a patch delivered late or twice is harmless), and the thread reply that
 * @-mentions the requester when the build finishes. Pure: a Build in, post content out.
 */

export interface BuildPostOptions {
  readonly publicUrl: string;
  readonly secrets?: readonly string[];
  readonly actions?: ActionOptions | null;
  /** Chat users behind a triggered build, mentioned in the finish reply when it failed. */
  readonly people?: readonly string[];
  readonly change?: "broke" | "fixed" | null;
}

const ICONS: Readonly<Record<Build["status"], string>> = {
  queued: ":hourglass_flowing_sand:",
  running: ":arrow_forward:",
  succeeded: ":white_check_mark:",
  failed: ":x:",
  cancelled: ":no_entry_sign:",
  timed_out: ":alarm_clock:",
  interrupted: ":warning:",
};

const COLORS: Readonly<Record<Build["status"], string>> = {
  queued: "#8a8a8a",
  running: "#2389d7",
  succeeded: "good",
  failed: "danger",
  timed_out: "danger",
  cancelled: "warning",
  interrupted: "warning",
};

const STEP_MARKS: Readonly<Record<Step["status"], string>> = {
  pending: "·",
  running: "▶",
  succeeded: "✓",
  failed: "✗",
  cancelled: "■",
  timed_out: "⏰",
  skipped: "–",
};

/** The root post: headline, then an attachment with the steps and the buttons. */
export function formatRootPost(build: Build, options: BuildPostOptions): PostContent {
  const secrets = options.secrets ?? [];
  const url = `${options.publicUrl}/builds/${build.id}`;
  const what = subject(build, secrets);
  const message = `${ICONS[build.status]} Build [#${build.id}](${url}) of ${what} ${progress(build, secrets)}`;

  const fields: MessageAttachmentField[] = [
    // Plain name, no @: editing a post never notifies, and the queued post should not ping anyone.
    { title: "Requested by", value: clean(build.requester, secrets), short: true },
  ];
  const took = durationMs(build);
  if (took !== null) fields.push({ title: "Duration", value: formatDuration(took), short: true });
  if (build.rebuildOf) fields.push({ title: "Rebuild of", value: `#${build.rebuildOf}`, short: true });
  const trigger = triggerField(build.trigger, secrets);
  if (trigger) fields.push(trigger);
  if (build.steps.length > 0) fields.push({ title: "Steps", value: stepList(build, secrets), short: false });
  if (build.reason) {
    fields.push({
      title: "Reason",
      value: clean(truncateRunes(build.reason, 2000), secrets, true),
      short: false,
    });
  }
  const attachment: MessageAttachment = {
    // Shown as is where attachments are not (notifications): the branch is untrusted text too.
    fallback: `Build #${build.id} of ${clean(build.repo, secrets)} ${clean(build.branch, secrets)}: ${STATUS_WORDS[build.status]}`,
    color: COLORS[build.status],
    title: `${clean(build.repo, secrets)} #${build.id}`,
    title_link: url,
    fields,
  };
  const actions = options.actions ? buildActions(build, options.actions) : [];
  if (actions.length > 0) attachment.actions = actions;
  const content: PostContent = {
    message: truncateRunes(message, MAX_POST_RUNES),
    props: { attachments: [attachment] },
  };
  return maskDeep(content, secrets) as PostContent;
}

/**
 * The thread reply when a build finishes: mentions the requester (a new post is the only thing
 * that notifies) and, for failures, carries the failing command's last lines.
 */
export function formatFinishReply(build: Build, excerpt: Excerpt | null, options: BuildPostOptions): string {
  const secrets = options.secrets ?? [];
  const url = `${options.publicUrl}/builds/${build.id}`;
  const took = durationMs(build);
  const after = took === null ? "" : ` after ${formatDuration(took)}`;
  const at = build.failingStep ? ` at ${clean(build.failingStep, secrets)}` : "";
  const failed = build.status === "failed" || build.status === "timed_out";
  const blame = blameText(options.people ?? [], options.change ?? null, failed);
  // A triggered build's requester is a forge login or "schedule": mention the people instead.
  const who = build.trigger ? "" : `${mentionUser(build.requester)} `;
  const headline = `${who}${who ? "build" : "Build"} [#${build.id}](${url}) of ${subject(build, secrets)} **${STATUS_WORDS[build.status]}**${after}${at}.${blame}`;
  const body = excerpt ? `${headline}\n\n${excerptText(excerpt, secrets)}` : headline;
  return maskDeep(truncateRunes(body, MAX_POST_RUNES), secrets) as string;
}

function subject(build: Build, secrets: readonly string[]): string {
  const sha = build.sha ? ` at \`${shortSha(build.sha)}\`` : "";
  return `**${clean(build.repo, secrets)}** (branch **${clean(build.branch, secrets)}**${sha})`;
}

/** "is queued.", "is running: step 2 of 3, make test.", "failed after 1m 02s at make test." */
function progress(build: Build, secrets: readonly string[]): string {
  if (build.status === "queued") return "is queued.";
  if (build.status === "running") {
    const current = build.steps.find((step) => step.status === "running");
    if (!current) return "is running.";
    return `is running: step ${current.index + 1} of ${build.steps.length}, ${clean(current.name, secrets)}.`;
  }
  const took = durationMs(build);
  const after = took === null || !isFinal(build.status) ? "" : ` after ${formatDuration(took)}`;
  const at = build.failingStep ? ` at ${clean(build.failingStep, secrets)}` : "";
  return `**${STATUS_WORDS[build.status]}**${after}${at}.`;
}

function stepList(build: Build, secrets: readonly string[]): string {
  return build.steps
    .map((step) => {
      const took =
        step.startedAt !== null && step.finishedAt !== null
          ? ` (${formatDuration(step.finishedAt - step.startedAt)})`
          : "";
      const exit = step.exitCode !== null && step.exitCode !== 0 ? `, exit ${step.exitCode}` : "";
      return `${STEP_MARKS[step.status]} ${step.index + 1}. ${clean(step.name, secrets)}${took}${exit}`;
    })
    .join("\n");
}

/** The answer to "Full log": the build page and a link to each step's output on it. */
export function formatFullLog(build: Build, options: BuildPostOptions): string {
  const secrets = options.secrets ?? [];
  const url = `${options.publicUrl}/builds/${build.id}`;
  const steps = build.steps.map(
    (step) =>
      `${STEP_MARKS[step.status]} [${step.index + 1}. ${clean(step.name, secrets)}](${url}#step-${step.index + 1})`,
  );
  const head = `Full log of build [#${build.id}](${url}) (${STATUS_WORDS[build.status]}):`;
  return maskDeep(
    steps.length > 0 ? `${head}\n${steps.join("\n")}` : `${head} no steps have run.`,
    secrets,
  ) as string;
}
