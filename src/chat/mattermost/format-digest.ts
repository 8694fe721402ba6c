import { type Build, isFinal, STATUS_WORDS } from "../../core/build.js";
import { maskText } from "../../core/mask-secrets.js";
import { clean, MAX_POST_RUNES, mentionUser } from "./format-build-message.js";
import type { IncomingWebhookRequest } from "./incoming-webhook-request.js";

/**
 * One post (or a few) for a backlog of finished builds, instead of one post each: after an outage
 * the channel gets the news in a glance. Each build has its result word, link and requester; a
 * build that did not succeed @-mentions its requester, as its own post would have, so a failure is
 * never hidden in a digest. Successes name the requester without pinging them.
 */

export interface DigestTextOptions {
  readonly publicUrl: string;
  readonly secrets: (build: Build) => readonly string[];
  /** Who pushed (or opened the PR) behind a triggered build; mentioned with its requester on failure. */
  readonly people?: (build: Build) => readonly string[];
  /** Oldest and newest time the builds' posts were queued; `outage` when sending them had failed. */
  readonly window: { readonly from: number; readonly to: number; readonly outage: boolean };
}

/** Webhook mode's digest: the text plus where the hook posts it and as whom. */
export interface DigestOptions extends DigestTextOptions {
  readonly channel?: string;
  readonly username?: string;
  readonly iconUrl?: string;
}

/** Lines per post are cut well below MaxPostSize (16383 runes, CONTRACT §4) so no post is split by Mattermost. */
const PART_CHARS = Math.floor(MAX_POST_RUNES * 0.9);

export interface DigestPost {
  readonly payload: IncomingWebhookRequest;
  /** The builds this post covers, in order. */
  readonly buildIds: readonly number[];
}

export interface DigestText {
  /** Markdown, below Mattermost's post size limit (a REST create does not split: CONTRACT §7). */
  readonly text: string;
  /** The builds this text covers, in order. */
  readonly buildIds: readonly number[];
}

export function formatDigest(builds: readonly Build[], options: DigestOptions): DigestPost[] {
  return formatDigestTexts(builds, options).map(({ text, buildIds }) => {
    const payload: IncomingWebhookRequest = { text };
    if (options.channel) payload.channel = options.channel;
    if (options.username) payload.username = options.username;
    if (options.iconUrl) payload.icon_url = options.iconUrl;
    return { payload, buildIds };
  });
}

/** The digest's text, in as many parts as Mattermost's post size needs; the same in both chat modes. */
export function formatDigestTexts(builds: readonly Build[], options: DigestTextOptions): DigestText[] {
  const failed = builds.filter((b) => b.status !== "succeeded").length;
  const { from, to, outage } = options.window;
  const what = `${builds.length} builds finished${failed > 0 ? ` (${failed} not successful)` : ""}`;
  const header = outage
    ? `While Mattermost could not be reached (posts waiting since ${clock(from)} UTC), ${what}:`
    : `${what} between ${clock(from)} and ${clock(to)} UTC:`;
  const parts: { lines: string[]; ids: number[] }[] = [];
  let current = { lines: [] as string[], ids: [] as number[] };
  let size = 0;
  for (const build of builds) {
    const line = digestLine(build, options);
    if (current.lines.length > 0 && size + line.length + 1 > PART_CHARS) {
      parts.push(current);
      current = { lines: [], ids: [] };
      size = 0;
    }
    current.lines.push(line);
    current.ids.push(build.id);
    size += line.length + 1;
  }
  if (current.lines.length > 0) parts.push(current);
  return parts.map((part, index) => {
    const title = parts.length > 1 ? `${header} (${index + 1}/${parts.length})` : header;
    return { text: [title, ...part.lines].join("\n"), buildIds: part.ids };
  });
}

function digestLine(build: Build, options: DigestTextOptions): string {
  const secrets = options.secrets(build);
  const word = isFinal(build.status) ? STATUS_WORDS[build.status] : build.status;
  const link = `[#${build.id}](${options.publicUrl}/builds/${build.id})`;
  const what = `${clean(build.repo, secrets)} ${clean(build.branch, secrets)}`;
  if (build.status === "succeeded")
    return `- **${word}** ${link} ${what}, requested by ${clean(build.requester, secrets)}`;
  // A failure pings whoever its own post would have: the requester and, for a push or PR, the
  // people behind the commits (mapped to chat users), so none of them misses it in a digest.
  const requester = maskText(build.requester, secrets);
  const people = (options.people?.(build) ?? [])
    .map((p) => maskText(p, secrets))
    .filter((p) => p !== requester);
  const pushed = people.length > 0 ? `; pushed by ${people.map(mentionUser).join(", ")}` : "";
  return `- **${word}** ${link} ${what}, requested by ${mentionUser(requester)}${pushed}`;
}

function clock(at: number): string {
  return new Date(at).toISOString().slice(0, 16).replace("T", " ");
}
