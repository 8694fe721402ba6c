/**
 * What started a build other than a typed /build: a push, a pull request or a schedule. Plain,
 * transport-free data: forge adapters (src/forges/) translate webhook payloads into a ForgeEvent,
 * the admission (admit-forge-event.ts) turns it into a build, chat and the commit-status sink read
 * the BuildTrigger stored with the build.
 */

/**
 * A Git host's name: its key in the config's `forges:` and in the host list
 * (src/forges/forge-hosts.ts), e.g. "github". The core treats it as a name only: what differs
 * between hosts lives in each host's folder under src/forges/.
 */
export type ForgeKind = string;

export interface TriggerCommit {
  readonly sha: string;
  /** First line of the message only: the rest may be long and is not shown anywhere. */
  readonly title: string;
  readonly authorName: string;
  readonly authorEmail: string | null;
}

export type BuildTrigger =
  | {
      readonly kind: "push";
      readonly forge: ForgeKind;
      /** Who pushed: display name, and the forge login used when no email maps to a chat user. */
      readonly pusher: string;
      readonly pusherLogin: string | null;
      /** Newest last, at most MAX_TRIGGER_COMMITS. */
      readonly commits: readonly TriggerCommit[];
      readonly totalCommits: number;
      readonly compareUrl: string | null;
      readonly tag: boolean;
    }
  | {
      readonly kind: "pull_request";
      readonly forge: ForgeKind;
      readonly number: number;
      readonly title: string;
      readonly url: string | null;
      readonly author: string;
      /** The head lives in another repository: the build never gets the repo's secrets. */
      readonly fork: boolean;
      /**
       * Where the host publishes the head (refs/pull/7/head; GitLab refs/merge-requests/7/head),
       * made by the host from the number alone (pull-ref.ts). Buildbot's Git step fetches it.
       */
      readonly headRef: string;
      /** How the host names it in text: "Pull request" and "#7"; GitLab "Merge request" and "!7". */
      readonly noun: string;
      readonly reference: string;
    }
  | { readonly kind: "schedule"; readonly name: string };

/** Chat shows at most this many commits of a push. */
export const MAX_TRIGGER_COMMITS = 5;

/** How a payload names its repository; the only things a repo is matched by. */
export interface ForgeRepoRef {
  readonly fullName: string;
  readonly cloneUrls: readonly string[];
  /** GitLab's numeric project id, used for its status API. */
  readonly projectId: number | null;
}

/** A webhook, decoded: either something to build or something to acknowledge and ignore. */
export type ForgeEvent =
  | { readonly kind: "ping" }
  | { readonly kind: "ignored"; readonly why: string; readonly repo: ForgeRepoRef | null }
  | {
      readonly kind: "push";
      readonly repo: ForgeRepoRef;
      /** Branch or tag name without refs/heads/ or refs/tags/. */
      readonly ref: string;
      readonly tag: boolean;
      readonly sha: string;
      /** The head commit's full message, for [skip ci]. */
      readonly headMessage: string;
      readonly trigger: Extract<BuildTrigger, { kind: "push" }>;
    }
  | {
      readonly kind: "pull_request";
      readonly repo: ForgeRepoRef;
      readonly sha: string;
      readonly headMessage: string | null;
      readonly trigger: Extract<BuildTrigger, { kind: "pull_request" }>;
    };

/** Whether a build trigger must run without the repo's secrets. */
export function withholdsSecrets(trigger: BuildTrigger | null | undefined): boolean {
  return trigger?.kind === "pull_request" && trigger.fork;
}

/** The strings GitHub Actions, Gitea Actions and GitLab CI all honour in the head commit message. */
const SKIP_MARKERS = ["[skip ci]", "[ci skip]", "[no ci]", "[skip actions]", "[actions skip]"];

export function skipsCi(message: string | null): boolean {
  if (message === null) return false;
  const lower = message.toLowerCase();
  return SKIP_MARKERS.some((marker) => lower.includes(marker));
}

export function firstLine(message: string): string {
  return (message.split("\n")[0] ?? "").trim();
}

/**
 * The requester shown for a trigger, and the id used for permissions: prefixed with the forge, so
 * it can never equal a Mattermost user id (26 lower-case letters and digits) and grant /build stop.
 */
export function triggerRequester(trigger: BuildTrigger): { name: string; id: string } {
  switch (trigger.kind) {
    case "push":
      return {
        name: trigger.pusherLogin ?? trigger.pusher,
        id: `${trigger.forge}:${trigger.pusherLogin ?? trigger.pusher}`,
      };
    case "pull_request":
      return { name: trigger.author, id: `${trigger.forge}:${trigger.author}` };
    case "schedule":
      return { name: "schedule", id: "schedule" };
  }
}
