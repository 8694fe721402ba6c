import type { Config } from "../config/config.js";
import { type Build, durationMs, STATUS_WORDS, shortSha } from "./build.js";
import { formatDuration } from "./format-duration.js";
import type { PostDestination } from "./ports.js";

/**
 * Texts of the answers to the person who typed a command (not the channel's status posts, which
 * chat/mattermost formats). Markdown; every value a user could have typed goes through `code()`.
 */

export function buildLink(config: Config, build: Pick<Build, "id">): string {
  return `[#${build.id}](${config.publicUrl}/builds/${build.id})`;
}

/** Inline code that cannot be broken out of: backticks inside are replaced, length is bounded. */
export function code(value: string): string {
  return `\`${value.replace(/`/g, "'").slice(0, 200)}\``;
}

export function describeBuild(config: Config, build: Build): string {
  const what = `${buildLink(config, build)} ${code(build.repo)} ${code(build.branch)} at ${code(shortSha(build.sha ?? build.requestedRevision))}`;
  const took = durationMs(build);
  const status = STATUS_WORDS[build.status] + (took === null ? "" : ` in ${formatDuration(took)}`);
  return `${what} by @${build.requester}: **${status}**${build.failingStep ? ` at ${code(build.failingStep)}` : ""}`;
}

export function queuedReply(config: Config, build: Build, destination?: PostDestination): string {
  const at = build.requestedRevision ? ` at ${code(build.requestedRevision)}` : "";
  const again = build.rebuildOf ? ` (rebuild of #${build.rebuildOf})` : "";
  return `Queued build ${buildLink(config, build)}: ${code(build.repo)} ${code(build.branch)}${at}${again}. ${announcement(build, destination)} Stop it with \`/build stop ${build.id}\`.`;
}

/** Where and when the build is announced, as the notifier says (never a promise it will not keep). */
function announcement(build: Pick<Build, "branch">, destination?: PostDestination): string {
  if (!destination) return "Status posts follow in the channel.";
  const { where, when } = destination;
  if (where === null) return "No status posts follow: there is no channel to post them in.";
  const place =
    where.kind === "here"
      ? "this channel"
      : where.kind === "channel"
        ? `~${where.name}`
        : where.kind === "webhook"
          ? "the channel of slashbuild's webhook"
          : "slashbuild's console";
  switch (when) {
    case "all":
      return `Status posts follow in ${place}.`;
    case "failures":
      return `It is announced in ${place} only if it fails.`;
    case "changes":
      return `It is announced in ${place} only if it breaks or fixes ${code(build.branch)}.`;
  }
}

/**
 * A build the backend could not confirm it has (StartOutcome): say exactly that, and never invite a
 * retry, which could run it twice.
 */
export function unconfirmedReply(config: Config, build: Build, note: string): string {
  const at = build.requestedRevision ? ` at ${code(build.requestedRevision)}` : "";
  return `Build ${buildLink(config, build)} (${code(build.repo)} ${code(build.branch)}${at}) was sent, but not confirmed: ${note}`;
}
