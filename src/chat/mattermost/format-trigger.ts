import type { MessageAttachmentField } from "@mattermost/types/message_attachments";
import type { BuildTrigger } from "../../core/triggers/trigger.js";
import { clean, mentionUser } from "./format-build-message.js";

/**
 * What started a build, for its posts: the pusher, up to five commits (short sha, first line,
 * author) and the compare link; a pull request's number, title and link; a schedule's name.
 * Every value comes from a webhook payload, so it is escaped and masked like chat input, and a
 * link is only made of an http(s) URL.
 */

function safeUrl(url: string | null): string | null {
  if (!url || !/^https?:\/\/[^\s()<>]+$/.test(url)) return null;
  return url;
}

export function triggerField(
  trigger: BuildTrigger | null | undefined,
  secrets: readonly string[],
): MessageAttachmentField | null {
  if (!trigger) return null;
  switch (trigger.kind) {
    case "push": {
      const compare = safeUrl(trigger.compareUrl);
      const what = trigger.tag ? "Tag pushed" : "Pushed";
      const head = `${what} by ${clean(trigger.pusher || trigger.pusherLogin || "someone", secrets)}${compare ? ` ([compare](${compare}))` : ""}`;
      const lines = trigger.commits.map(
        (commit) =>
          `- \`${commit.sha.slice(0, 7)}\` ${clean(commit.title, secrets)} (${clean(commit.authorName, secrets)})`,
      );
      const more = trigger.totalCommits - trigger.commits.length;
      if (more > 0) lines.push(`- and ${more} more`);
      return { title: "Trigger", value: [head, ...lines].join("\n"), short: false };
    }
    case "pull_request": {
      const url = safeUrl(trigger.url);
      // In the host's own words ("Merge request !3" on GitLab, where #3 is an issue): made by the
      // host's code from the number, not taken from the payload, so shown as they are.
      const title = `${trigger.reference} ${clean(trigger.title, secrets)}`;
      const fork = trigger.fork ? " (from a fork: built without the repo's secrets)" : "";
      return {
        title: "Trigger",
        value: `${trigger.noun} ${url ? `[${title}](${url})` : title} by ${clean(trigger.author, secrets)}${fork}`,
        short: false,
      };
    }
    case "schedule":
      return { title: "Trigger", value: `Schedule ${clean(trigger.name, secrets)}`, short: false };
  }
}

/** " Broken by @a, @b." / " Fixed by @a." / " Pushed by @a." for a finish headline; "" when nobody. */
export function blameText(
  people: readonly string[],
  change: "broke" | "fixed" | null,
  failed: boolean,
): string {
  if (people.length === 0 || (!failed && change !== "fixed")) return "";
  const who = people.map(mentionUser).join(", ");
  if (change === "fixed") return ` Fixed by ${who}.`;
  return change === "broke" ? ` Broken by ${who}.` : ` Pushed by ${who}.`;
}
