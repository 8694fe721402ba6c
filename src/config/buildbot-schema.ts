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

const workerSchema = z.object({ name: bbName, password: z.string().min(1) }).strict();

const builderOverride = z
  .object({
    builder: bbName.optional(),
    force_scheduler: bbName.optional(),
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
    /** Change project for `trigger: change_hook`; {repo} and {branch} are replaced. */
    project: z.string().min(1).default("{repo}"),
    category: z.string().min(1).default("slashbuild"),
    /** For `buildbot-config` (master.cfg generation) only. */
    workers: z.array(workerSchema).default([]),
    worker_port: z.number().int().min(1).max(65535).default(9989),
    /** Per-repo names on an existing master; generated names are used when omitted. */
    builders: z.record(z.string(), builderOverride).default({}),
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
  readonly projectTemplate: string;
  readonly category: string;
  readonly workers: readonly { readonly name: string; readonly password: string }[];
  readonly workerPort: number;
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
    projectTemplate: parsed.project,
    category: parsed.category,
    workers: Object.freeze(parsed.workers.map((w) => Object.freeze({ ...w }))),
    workerPort: parsed.worker_port,
    names: (repo: string): BuildbotNames => {
      const own = Object.hasOwn(overrides, repo) ? overrides[repo] : undefined;
      return {
        builder: own?.builder ?? repo,
        forceScheduler: own?.force_scheduler ?? `slashbuild-force-${repo}`,
        changeScheduler: own?.change_scheduler ?? `slashbuild-change-${repo}`,
      };
    },
  });
}
