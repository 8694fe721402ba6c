import type { Build } from "../build.js";
import { WEB_CHANNEL } from "../chat-command.js";
import { httpUrlOrNull } from "../http-url.js";

/**
 * What started a build, in words every surface shares: typed in ~channel by @user, pushed by X
 * (compare link), pull request #N with its title, a schedule, a rebuild of #M. Pure and
 * transport-free: a list of parts that chat and web each render in their own markup (a Markdown
 * link or an <a>, a mention or plain text), escaping the text parts as they must. Links are http(s)
 * only (checked here), because every one of them comes from a webhook payload.
 */
export type TriggerPart =
  | { readonly kind: "text"; readonly text: string }
  /** A chat user (`@name`): the requester of a typed build or a rebuild. */
  | { readonly kind: "user"; readonly name: string }
  /** A chat channel (`~name`). */
  | { readonly kind: "channel"; readonly name: string }
  | { readonly kind: "link"; readonly text: string; readonly url: string }
  /** Another build of slashbuild's (`#M`), linked to its page. */
  | { readonly kind: "build"; readonly id: number };

type Described = Pick<Build, "trigger" | "rebuildOf" | "requester" | "channelId" | "channelName">;

const text = (value: string): TriggerPart => ({ kind: "text", text: value });

/** " in ~ci by @alice", " on the web by @alice", " by @alice". */
function where(build: Described): TriggerPart[] {
  const by: TriggerPart[] = [text(" by "), { kind: "user", name: build.requester }];
  if (build.channelId === WEB_CHANNEL.id) return [text(" on the web"), ...by];
  if (build.channelName === "") return by;
  return [text(" in "), { kind: "channel", name: build.channelName }, ...by];
}

function linkOr(label: string, url: string | null): TriggerPart {
  const safe = httpUrlOrNull(url);
  return safe ? { kind: "link", text: label, url: safe } : text(label);
}

export function describeTrigger(build: Described): TriggerPart[] {
  if (build.rebuildOf !== null) {
    return [text("Rebuild of "), { kind: "build", id: build.rebuildOf }, text(", asked"), ...where(build)];
  }
  const trigger = build.trigger;
  if (!trigger) return [text("Typed"), ...where(build)];
  switch (trigger.kind) {
    case "push": {
      const who = trigger.pusher || trigger.pusherLogin || "someone";
      const count = trigger.totalCommits;
      const commits = count > 0 ? ` (${count} commit${count === 1 ? "" : "s"})` : "";
      const compare = httpUrlOrNull(trigger.compareUrl);
      return [
        text(`${trigger.tag ? "Tag pushed" : "Pushed"} by ${who}${commits}`),
        ...(compare ? [text(" · "), linkOr("compare", compare)] : []),
      ];
    }
    case "pull_request":
      return [
        text(`${trigger.noun} `),
        linkOr(`${trigger.reference} ${trigger.title}`.trim(), trigger.url),
        text(` by ${trigger.author}`),
        ...(trigger.fork ? [text(" (from a fork: built without the repo's secrets)")] : []),
      ];
    case "schedule":
      return [text(`Schedule ${trigger.name}`)];
  }
}
