import type { MessageAttachment, MessageAttachmentField } from "@mattermost/types/message_attachments";
import { artifactSummary, artifactsUrl, describeArtifacts } from "../../core/artifacts.js";
import { backendPageLink } from "../../core/backend-link.js";
import {
  type Build,
  durationMs,
  type FinalStatus,
  isFinal,
  STATUS_WORDS,
  shortSha,
} from "../../core/build.js";
import { formatDuration } from "../../core/format-duration.js";
import { maskText } from "../../core/mask-secrets.js";
import { showsExcerpt, testCounts } from "../../core/test-report.js";
import { codeBlock, type Excerpt } from "../../notify/failure-excerpt.js";
import { type ActionOptions, buildActions } from "./build-actions.js";
import { escapeMarkdown } from "./escape-markdown.js";
import { failedTestsText } from "./format-test-results.js";
import { blameText, triggerField } from "./format-trigger.js";
import type { IncomingWebhookRequest } from "./incoming-webhook-request.js";

/**
 * Status posts for the incoming webhook. Pure: a Build in, a payload out. Branch names, user
 * names and reasons come from chat or from git, so they are escaped (no links, no @channel, no
 * Slack `<!here>` syntax) and every configured secret is masked in everything we emit.
 */

/** Mattermost's MaxPostSize in runes (CONTRACT §4); longer text would be split into several posts. */
export const MAX_POST_RUNES = 16383;
/** A reason is a human explanation; anything longer is noise (and could crowd out the rest). */
const MAX_REASON_RUNES = 2000;

export interface BuildMessageOptions {
  /** Base of build links, without a trailing slash. */
  readonly publicUrl: string;
  /** Values masked wherever they appear in the output. */
  readonly secrets?: readonly string[];
  /** Webhook `channel` override (repo notify_channel); null/absent = the hook's channel. */
  readonly channel?: string | null;
  readonly username?: string;
  readonly iconUrl?: string | null;
  /** Buttons (Stop / Rebuild / Full log); absent = none (console mode has nobody to click). */
  readonly actions?: ActionOptions | null;
  /** The failing command's output, shown in the finish post. */
  readonly excerpt?: Excerpt | null;
  /** Chat users behind a triggered build (core/triggers/people-to-mention.ts), mentioned on failure. */
  readonly people?: readonly string[];
  /** Whether this finish broke or fixed the branch (for `notify: changes`); null = neither known. */
  readonly change?: "broke" | "fixed" | null;
}

const COLORS: Readonly<Record<FinalStatus, string>> = {
  succeeded: "good",
  failed: "danger",
  timed_out: "danger",
  cancelled: "warning",
  interrupted: "warning",
};
const STARTED_COLOR = "#2389d7";

export function formatBuildStarted(build: Build, options: BuildMessageOptions): IncomingWebhookRequest {
  const secrets = options.secrets ?? [];
  const subject = describe(build, options.publicUrl, secrets);
  const headline = `Build ${subject.link} of ${subject.what} started for ${subject.requester}.`;
  const plain = `Build #${build.id} of ${subject.what} started for ${subject.requester}.`;
  const trigger = triggerField(build.trigger, secrets);
  return finish(
    headline,
    { fallback: plain, color: STARTED_COLOR, ...subject.title, ...(trigger ? { fields: [trigger] } : {}) },
    options,
    build,
  );
}

export function formatBuildFinished(build: Build, options: BuildMessageOptions): IncomingWebhookRequest {
  const secrets = options.secrets ?? [];
  const subject = describe(build, options.publicUrl, secrets);
  const status: FinalStatus = isFinal(build.status) ? build.status : "interrupted";
  const duration = durationMs(build);
  const after = duration === null ? "" : ` after ${formatDuration(duration)}`;
  const result = `${STATUS_WORDS[status]}${after}`;
  // Mentions notify only in the post's text, never inside an attachment.
  const failed = status === "failed" || status === "timed_out";
  const blame = blameText(options.people ?? [], options.change ?? null, failed);
  const headline = `Build ${subject.link} of ${subject.what} ${result}. Requested by ${subject.requester}.${blame}`;
  const plain = `Build #${build.id} of ${subject.what} ${result}. Requested by ${subject.requester}.`;

  const fields: MessageAttachmentField[] = [];
  const trigger = triggerField(build.trigger, secrets);
  if (trigger) fields.push(trigger);
  if (build.failingStep) {
    fields.push({ title: "Failing command", value: clean(build.failingStep, secrets), short: false });
  }
  if (build.reason) {
    fields.push({
      title: "Reason",
      value: clean(truncateRunes(build.reason, MAX_REASON_RUNES), secrets, true),
      short: false,
    });
  }
  const buildbotUrl = backendPageLink(build);
  if (buildbotUrl) fields.push({ title: "Buildbot", value: `[build page](${buildbotUrl})`, short: true });
  const artifacts = artifactSummary(build);
  if (artifacts) {
    const link = `[${describeArtifacts(artifacts)}](${artifactsUrl(options.publicUrl, build)})`;
    fields.push({ title: "Artifacts", value: link, short: true });
  }
  if (build.tests) fields.push({ title: "Tests", value: testCounts(build.tests), short: true });
  const attachment: MessageAttachment = { fallback: plain, color: COLORS[status], ...subject.title, fields };
  const text = finishText(build, options.excerpt ?? null, secrets);
  if (text) attachment.text = text;
  return finish(headline, attachment, options, build);
}

/** `@name` as a real mention when it is a plausible username; otherwise inert text. */
export function mentionUser(name: string): string {
  const plausible = /^[a-z0-9][a-z0-9._-]{0,63}$/i.test(name) && !/^(all|channel|here)$/i.test(name);
  return plausible ? `@${name}` : escapeMarkdown(`@${name}`);
}

/** Cuts to at most `max` runes (code points, as Mattermost counts), marking the cut with `…`. */
export function truncateRunes(text: string, max: number): string {
  const runes = Array.from(text);
  if (runes.length <= max) return text;
  return `${runes.slice(0, max - 1).join("")}…`;
}

interface Subject {
  readonly link: string;
  readonly what: string;
  readonly requester: string;
  readonly title: Pick<MessageAttachment, "title" | "title_link">;
}

function describe(build: Build, publicUrl: string, secrets: readonly string[]): Subject {
  const url = `${publicUrl}/builds/${build.id}`;
  const sha = shortSha(build.sha);
  const shaText = /^[0-9a-f]+$/i.test(sha) ? `\`${sha}\`` : clean(sha, secrets);
  const repo = clean(build.repo, secrets);
  return {
    link: `[#${build.id}](${url})`,
    what: `**${repo}** (branch **${clean(build.branch, secrets)}** at ${shaText})`,
    // A triggered build's requester is a forge login or "schedule", not a Mattermost user: never @ it.
    requester: build.trigger
      ? clean(build.requester, secrets)
      : mentionUser(maskText(build.requester, secrets)),
    title: { title: `${repo} #${build.id}`, title_link: url },
  };
}

/** "Output of step 2, make test:" and the lines in a code block; secrets masked, fences and mentions inert. */
export function excerptText(excerpt: Excerpt, secrets: readonly string[]): string {
  const step = `step ${excerpt.step.index + 1}, ${clean(excerpt.step.name, secrets)}`;
  return `Output of ${step}:\n${codeBlock(maskText(excerpt.text, secrets))}`;
}

/** Below a finish: the failed and flaky tests, and the log's last lines when no report names a failure. */
export function finishText(build: Build, excerpt: Excerpt | null, secrets: readonly string[]): string | null {
  const tests = failedTestsText(build.tests, secrets);
  const tail = excerpt && showsExcerpt(build.tests) ? excerptText(excerpt, secrets) : null;
  return [tests, tail].filter((part) => part !== null).join("\n\n") || null;
}

/** Untrusted text made inert (escapeMarkdown) after masking every secret. */
export function clean(text: string, secrets: readonly string[], multiline = false): string {
  return escapeMarkdown(maskText(text, secrets), { multiline });
}

function finish(
  headline: string,
  attachment: MessageAttachment,
  options: BuildMessageOptions,
  build: Build,
): IncomingWebhookRequest {
  const actions = options.actions ? buildActions(build, options.actions) : [];
  if (actions.length > 0) attachment.actions = actions;
  const payload: IncomingWebhookRequest = {
    text: truncateRunes(headline, MAX_POST_RUNES),
    attachments: [attachment],
  };
  if (options.channel) payload.channel = options.channel;
  if (options.username) payload.username = options.username;
  if (options.iconUrl) payload.icon_url = options.iconUrl;
  // Belt and braces: anything that slipped past per-field masking (e.g. a secret in a config value).
  return maskDeep(payload, options.secrets ?? []) as IncomingWebhookRequest;
}

export function maskDeep(value: unknown, secrets: readonly string[]): unknown {
  if (secrets.length === 0) return value;
  if (typeof value === "string") return maskText(value, secrets);
  if (Array.isArray(value)) return value.map((item) => maskDeep(item, secrets));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, maskDeep(item, secrets)]));
  }
  return value;
}
