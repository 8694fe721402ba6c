import type { ForgeEvent } from "../core/triggers/trigger.js";
import type { SendOutcome } from "../notify/ports.js";
import type { CommitStatusPayload } from "./status/format-commit-status.js";

/**
 * Everything slashbuild knows about one Git host, in one object: the host's folder under
 * src/forges/ implements it, and the host list (forge-hosts.ts) names it once. The code around it
 * (the webhook receiver, the signature check, the commit-status sink, the mirrors, chat) asks the
 * host and never tests which host it is, so a new host is one folder and one entry, and a host
 * that lacks a part does not compile. test/contracts/forge-host-contract.ts holds every host to it.
 */

/** One request header by its lower-case name; Node gives repeated headers as their first value. */
export type HeaderGetter = (name: string) => string | undefined;

export interface ForgeHost<Name extends string = string> {
  /**
   * The host's key: `forges.<name>` and `repos.<repo>.forge` in the config, the receiver's path
   * `/hooks/<name>`, and the prefix of a trigger's requester id (`<name>:<login>`). Lower-case.
   */
  readonly name: Name;
  /** How people write its name, the one slashbuild shows first; chat keeps them all capitalised. */
  readonly displayNames: readonly [string, ...string[]];
  /** Its part of the config: the API base when `forges.<name>.api_url` is left out. */
  readonly api: {
    /** null = the host has no public instance: the file must name its API. */
    readonly defaultUrl: string | null;
    /** An example API base, shown when api_url is missing. */
    readonly example: string;
  };
  readonly webhook: WebhookScheme;
  /** Refs and words for its pull (merge) requests. */
  readonly pullRequests: {
    /** Where it publishes a head: a ref pattern whose one `*` stands for the number (refs/pull/N/head). */
    readonly heads: string;
    /** "Pull request"; GitLab "Merge request". */
    readonly noun: string;
    /** What goes before the number in text: "#"; GitLab "!". */
    readonly marker: string;
  };
  readonly statuses: CommitStatusApi;
  /** Its web pages, which slashbuild's build pages link to. */
  readonly web: {
    /**
     * The page of commit `sha` of the repository `fullName` (owner/name), on the instance whose API
     * base is `apiUrl` (the configured or default one): the web origin is the API's, which every
     * host serves under a path of its own (GitHub.com apart, whose API has a host of its own).
     */
    commitUrl(apiUrl: string, fullName: string, sha: string): string;
    /**
     * The page comparing two commits of `fullName`, on the same instance: linked from a deploy's
     * approval request (issue 20).
     */
    compareUrl(apiUrl: string, fullName: string, from: string, to: string): string;
  };
}

/** owner/name as a URL path: each segment encoded, the slashes kept. */
export function repoPath(fullName: string): string {
  return fullName.split("/").map(encodeURIComponent).join("/");
}

/** How the host delivers a webhook (forges CONTRACT §1) and what its payloads mean (§2-3). */
export interface WebhookScheme {
  /** Headers that name the event, in the order they are read (Gitea's, then Forgejo's). */
  readonly eventHeaders: readonly [string, ...string[]];
  /** Headers with the id a redelivery repeats, in the order they are read; [] when it sends none. */
  readonly deliveryHeaders: readonly string[];
  /**
   * The signature the delivery presents, normalised to what `sign` returns; null when it presents
   * none (an empty header is none).
   */
  presented(header: HeaderGetter): string | null;
  /**
   * What the host presents for `body` signed with `secret`. verify-signature.ts compares it with
   * the presented one in constant time, on the raw body, for every secret that could have signed.
   */
  sign(secret: string, body: Buffer): string;
  /**
   * The payload (parsed JSON) of an event named `event`, as a core ForgeEvent. Pure; a payload
   * without a field slashbuild needs throws REQUEST_INVALID (a 400), an event it does not build is
   * `ignored`. Pull requests are made with pullRequestTrigger (pull-request-trigger.ts).
   */
  decode(event: string, payload: unknown): ForgeEvent;
}

/** A commit-status request, ready for fetch (forges CONTRACT §4). */
export interface StatusRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Readonly<Record<string, string>>;
}

/** What the host answered to one. */
export interface StatusAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
}

export interface CommitStatusApi {
  /** The POST that sets `status` on the host's API at `apiUrl`, authenticated with `token`. */
  request(apiUrl: string, token: string, status: CommitStatusPayload): StatusRequest;
  /** The answer as a send outcome (notify/ports.ts): delivered, rate_limited, retryable or permanent. */
  classify(answer: StatusAnswer, now: number): SendOutcome;
}

/** The hosts slashbuild serves, keyed by name. */
export type ForgeHosts = Readonly<Record<string, ForgeHost>>;

/**
 * A host list, checked by the compiler: each entry is a complete ForgeHost whose name is its key,
 * so a host missing a member, or filed under another host's name, does not compile; and a name
 * that is not in the list is not a key of the result. Used for the built-in list and for a list
 * that adds a host to it (the fourth-host test).
 */
export function defineForgeHosts<const T extends { readonly [Name in keyof T & string]: ForgeHost<Name> }>(
  hosts: T,
): T {
  return hosts;
}

/** The host named `name` in `hosts`; undefined for any other name (never an inherited key, never a host filed under another's name). */
export function forgeHostNamed(hosts: ForgeHosts, name: string): ForgeHost | undefined {
  const host = Object.hasOwn(hosts, name) ? hosts[name] : undefined;
  return host?.name === name ? host : undefined;
}
