import type { ForgeConfig } from "../../config/config.js";
import type { BuildTrigger } from "./trigger.js";

/**
 * The chat users behind a triggered build: each pushed commit's author through the configured
 * email → Mattermost username map; when an author's email is not in the map, the pusher's forge
 * login stands in (the person who pushed answers for the push). A PR's author likewise.
 * Schedules have nobody to mention.
 */
export function peopleToMention(
  trigger: BuildTrigger | null | undefined,
  forge: ForgeConfig | undefined,
): string[] {
  if (!trigger || trigger.kind === "schedule") return [];
  const map = forge?.mattermostUsers ?? {};
  const people = new Set<string>();
  if (trigger.kind === "pull_request") {
    if (trigger.author) people.add(trigger.author);
    return [...people];
  }
  let unmapped = trigger.commits.length === 0;
  for (const commit of trigger.commits) {
    const user = commit.authorEmail ? map[commit.authorEmail.toLowerCase()] : undefined;
    if (user) people.add(user);
    else unmapped = true;
  }
  const fallback = trigger.pusherLogin ?? trigger.pusher;
  if (unmapped && fallback) people.add(fallback);
  return [...people];
}

/**
 * Only the chat users a push's commits map to through the email → username map: who may be told
 * by direct message. No forge login stands in here, since a login names nobody in chat for sure.
 */
export function mappedAuthors(
  trigger: BuildTrigger | null | undefined,
  forge: ForgeConfig | undefined,
): string[] {
  if (trigger?.kind !== "push") return [];
  const map = forge?.mattermostUsers ?? {};
  const people = trigger.commits.flatMap((commit) => {
    const user = commit.authorEmail ? map[commit.authorEmail.toLowerCase()] : undefined;
    return user ? [user] : [];
  });
  return [...new Set(people)];
}
