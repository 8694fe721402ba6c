import type { Config } from "../../config/config.js";
import { artifactSummary, artifactsUrl, describeArtifacts } from "../../core/artifacts.js";
import { type Build, durationMs, STATUS_WORDS, shortSha } from "../../core/build.js";
import { formatDuration } from "../../core/format-duration.js";
import type { DirectMessagePreferences } from "../../core/ports.js";
import { mappedAuthors } from "../../core/triggers/people-to-mention.js";
import { verdict } from "../../notify/notify-policy.js";
import type { Excerpt, OutboxDraft, StatusFormatter } from "../../notify/ports.js";
import { clean, excerptText, MAX_POST_RUNES, maskDeep, truncateRunes } from "./format-build-message.js";

/**
 * Bot mode's direct messages (issue 21): at a build's finish, "Your build #N failed" to each person
 * behind it who asked (`/build notify me failures|all`): who typed it, and for a push, the authors
 * of its commits that `forges.<host>.mattermost_users` maps to a chat user. Its own status sink,
 * with no repo `notify` filter: a person's own choice holds whatever the channel hears.
 */

/** The outbox kind of one direct message. */
const DIRECT_MESSAGE = "direct_message";
/** The outbox rows of direct messages: delivered apart from the channel posts, in their own order. */
export const DIRECT_MESSAGE_SINK = "mattermost_direct";

/** One direct message as the outbox keeps it: the bot transport opens the DM channel when it sends. */
export interface DirectPayload {
  readonly op: "direct";
  readonly userId: string;
  readonly message: string;
}

export function isDirectPayload(value: unknown): value is DirectPayload {
  if (typeof value !== "object" || value === null) return false;
  const payload = value as Record<string, unknown>;
  return payload.op === "direct" && typeof payload.userId === "string" && typeof payload.message === "string";
}

type Why = "asked" | "pushed";

export function directMessageFormatter(
  config: Config,
  preferences: DirectMessagePreferences,
): StatusFormatter {
  return {
    queued: () => [],
    started: () => [],
    progressed: () => [],
    finished: (build, excerpt) =>
      recipients(config, preferences, build).map(
        ({ userId, why }): OutboxDraft => ({
          kind: DIRECT_MESSAGE,
          payload: {
            op: "direct",
            userId,
            message: directMessage(build, excerpt, why, config),
          } satisfies DirectPayload,
        }),
      ),
  };
}

/** Each person once (who typed it, if they also pushed), in a fixed order. */
function recipients(config: Config, preferences: DirectMessagePreferences, build: Build) {
  const wants = (level: string) => level === "all" || (level === "failures" && verdict(build) === "fail");
  const chosen = new Map<string, Why>();
  // A typed build's requester id is the chat user's; a triggered build's is a Git host login.
  if (!build.trigger && wants(preferences.levelOf(build.requesterId))) chosen.set(build.requesterId, "asked");
  const repo = Object.hasOwn(config.repos, build.repo) ? config.repos[build.repo] : undefined;
  const forge = repo?.forge ? config.forges?.[repo.forge] : undefined;
  for (const name of mappedAuthors(build.trigger, forge)) {
    const person = preferences.byName(name);
    if (person && wants(person.level) && !chosen.has(person.userId)) chosen.set(person.userId, "pushed");
  }
  return [...chosen].map(([userId, why]) => ({ userId, why }));
}

function directMessage(build: Build, excerpt: Excerpt | null, why: Why, config: Config): string {
  const repo = Object.hasOwn(config.repos, build.repo) ? config.repos[build.repo] : undefined;
  const secrets = repo ? Object.values(repo.secrets) : [];
  const url = `${config.publicUrl}/builds/${build.id}`;
  const took = durationMs(build);
  const after = took === null ? "" : ` after ${formatDuration(took)}`;
  const at = build.failingStep ? ` at ${clean(build.failingStep, secrets)}` : "";
  const sha = build.sha ? ` at \`${shortSha(build.sha)}\`` : "";
  const what = `[#${build.id}](${url}) of **${clean(build.repo, secrets)}** (branch **${clean(build.branch, secrets)}**${sha})`;
  const whose = why === "asked" ? `Your build ${what}` : `Build ${what}, of commits you pushed,`;
  const artifacts = artifactSummary(build);
  const kept = artifacts
    ? ` Artifacts: [${describeArtifacts(artifacts)}](${artifactsUrl(config.publicUrl, build)}).`
    : "";
  const headline = `${whose} **${STATUS_WORDS[build.status]}**${after}${at}.${kept}`;
  const footer = "\n\n_`/build notify me off` stops these messages._";
  const body = excerpt ? `${headline}\n\n${excerptText(excerpt, secrets)}` : headline;
  return maskDeep(truncateRunes(`${body}${footer}`, MAX_POST_RUNES), secrets) as string;
}
