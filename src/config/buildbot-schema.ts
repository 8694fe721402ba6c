import { z } from "zod";
import { duration, httpUrl } from "./schema-types.js";

/**
 * The top-level `buildbot:` section of the config file (snake_case, strict like the rest of the
 * file) and the frozen camelCase shape the backend reads. One file describes both backends: repos
 * with `backend: buildbot` build on the master described here.
 */

/** Buildbot builder and scheduler names end up in URLs and Python source: keep them plain. */
const bbName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,49}$/, "use letters, digits, '.', '_', '-' (max 50)");

/** An address the generated master listens on: an IP literal; 0.0.0.0 (or ::) is every interface. */
const listenAddress = z.union([z.ipv4(), z.ipv6()], {
  error: "must be an IP address, e.g. 127.0.0.1, or 0.0.0.0 for every interface",
});

/**
 * A force scheduler's name: Buildbot refuses one that is not an identifier (letters, digits, '_' and
 * '-', not starting with a digit; util/identifiers.py), so a '.' is refused here, at check-config.
 */
const forceSchedulerName = z
  .string()
  .regex(
    /^[A-Za-z_-][A-Za-z0-9_-]{0,49}$/,
    "Buildbot wants an identifier: letters, digits, '_', '-', not starting with a digit, no '.' (max 50)",
  );

const workerSchema = z.object({ name: bbName, password: z.string().min(1) }).strict();

const builderOverride = z
  .object({
    builder: bbName.optional(),
    force_scheduler: forceSchedulerName.optional(),
    change_scheduler: bbName.optional(),
  })
  .strict();

export const buildbotConfigSchema = z
  .object({
    /** Base URL of the master's www service (REST API, change hooks, login). */
    url: httpUrl.transform((u) => u.replace(/\/+$/, "")),
    /** slashbuild's user on the master (`UserPasswordAuth`); it must be allowed to control builds. */
    username: z.string().min(1),
    password: z.string().min(1),
    trigger: z.enum(["force", "change_hook"]).default("force"),
    /** Shared secret HttpStatusPush sends with every post to /buildbot/status. */
    status_secret: z
      .string()
      .min(16, "needs at least 16 characters: generate one with `openssl rand -hex 32`"),
    /** Where the master reaches slashbuild's status route; defaults to public_url + /buildbot/status. */
    status_url: httpUrl.optional(),
    /** How often every unfinished build is checked over REST, in case a push was lost. */
    reconcile_interval: duration.default(30_000),
    /** How often a build Buildbot is running is read, for step progress and the start post's sha. */
    follow_interval: duration.default(2_000),
    /** Per REST call. Keep it well under Mattermost's 3 s slash-command deadline. */
    request_timeout: duration.default(2_500),
    /**
     * The whole hand-over of a new build (login + force, or the change hook), answered inside the
     * slash command: at most 2 s, so the answer beats Mattermost's 3 s even when the master hangs.
     */
    trigger_timeout: duration
      .default(1_500)
      .refine((ms) => ms <= 2_000, "at most 2s: /build must be answered within Mattermost's 3 s"),
    /** Change project for `trigger: change_hook`; {repo} and {branch} are replaced. */
    project: z.string().min(1).default("{repo}"),
    category: z.string().min(1).default("slashbuild"),
    /** For `buildbot-config` (master.cfg generation) only. */
    workers: z.array(workerSchema).default([]),
    // Coerced: `${BB_WORKER_PORT:-9989}` in the file arrives as a string.
    worker_port: z.coerce.number().int().min(1).max(65535).default(9989),
    /** For `buildbot-config`: where the master's www port listens; loopback when not said. */
    www_interface: listenAddress.optional(),
    /** For `buildbot-config`: where the worker port listens; every interface when not said. */
    worker_interface: listenAddress.optional(),
    /** Per-repo names on an existing master; generated names are used when omitted. */
    builders: z.record(z.string(), builderOverride).default({}),
    /**
     * Whether people can open Buildbot's own pages (its web UI) at `url`: posts and build pages link
     * there only then. auto: the master is asked at start (Debian packages no UI: the www stub answers).
     */
    web_ui: z
      .union([z.literal("auto"), z.boolean()], { error: "must be auto, true or false" })
      .default("auto"),
  })
  .strict();

export type BuildbotConfigInput = z.input<typeof buildbotConfigSchema>;
export type ParsedBuildbotConfig = z.output<typeof buildbotConfigSchema>;

export interface BuildbotNames {
  readonly builder: string;
  readonly forceScheduler: string;
  readonly changeScheduler: string;
}

export interface BuildbotConfig {
  readonly url: string;
  readonly username: string;
  readonly password: string;
  readonly trigger: "force" | "change_hook";
  readonly statusSecret: string;
  readonly statusUrl: string;
  readonly reconcileIntervalMs: number;
  readonly followIntervalMs: number;
  readonly requestTimeoutMs: number;
  readonly triggerTimeoutMs: number;
  readonly projectTemplate: string;
  readonly category: string;
  readonly workers: readonly { readonly name: string; readonly password: string }[];
  readonly workerPort: number;
  /** The www port's address in the generated master.cfg; null: not said (loopback). */
  readonly wwwInterface: string | null;
  /** The worker port's address in the generated master.cfg; null: not said (every interface). */
  readonly workerInterface: string | null;
  /** Whether Buildbot's own pages are linked: known from the config, or "auto" (asked at start). */
  readonly webUi: "auto" | boolean;
  readonly names: (repo: string) => BuildbotNames;
}

/** `publicUrl` is the config's public_url (no trailing slash), the default base of status_url. */
export function toBuildbotConfig(parsed: ParsedBuildbotConfig, publicUrl: string): BuildbotConfig {
  const overrides = parsed.builders;
  return Object.freeze({
    url: parsed.url,
    username: parsed.username,
    password: parsed.password,
    trigger: parsed.trigger,
    statusSecret: parsed.status_secret,
    statusUrl: parsed.status_url ?? `${publicUrl.replace(/\/+$/, "")}/buildbot/status`,
    reconcileIntervalMs: parsed.reconcile_interval,
    followIntervalMs: parsed.follow_interval,
    requestTimeoutMs: parsed.request_timeout,
    triggerTimeoutMs: parsed.trigger_timeout,
    projectTemplate: parsed.project,
    category: parsed.category,
    workers: Object.freeze(parsed.workers.map((w) => Object.freeze({ ...w }))),
    workerPort: parsed.worker_port,
    wwwInterface: parsed.www_interface ?? null,
    workerInterface: parsed.worker_interface ?? null,
    webUi: parsed.web_ui,
    names: (repo: string): BuildbotNames => {
      const own = Object.hasOwn(overrides, repo) ? overrides[repo] : undefined;
      return {
        builder: own?.builder ?? repo,
        // A repo name may hold '.', which a force scheduler's may not: the same '_' as deploys' own.
        forceScheduler: own?.force_scheduler ?? `slashbuild-force-${repo}`.replaceAll(".", "_"),
        changeScheduler: own?.change_scheduler ?? `slashbuild-change-${repo}`,
      };
    },
  });
}
