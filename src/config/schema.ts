import { z } from "zod";
import { buildbotConfigSchema } from "./buildbot-schema.js";
import { duration, httpUrl, size } from "./schema-types.js";

/**
 * The config file's schema: every key, its type, its default. docs/configuration.md describes the
 * same keys for people; keep the two together. Unknown keys are errors (`.strict()`), so a typo
 * never silently turns a setting off.
 */

const listen = z
  .string()
  .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, "must be host:port, e.g. 127.0.0.1:8080")
  .transform((value) => {
    const colon = value.lastIndexOf(":");
    return { host: value.slice(0, colon).replace(/^\[|\]$/g, ""), port: Number(value.slice(colon + 1)) };
  });

const stringList = z
  .union([z.string().min(1), z.array(z.string().min(1))])
  .transform((v) => (Array.isArray(v) ? v : [v]));

/** Repo names appear in chat, URLs and file names: keep them to a safe alphabet. */
export const REPO_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

const envMap = z.record(
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be a shell variable name"),
  z.string(),
);

const repoSchema = z
  .object({
    url: z.string().min(1, "is required: anything `git clone` accepts"),
    branch: z.string().min(1).default("main"),
    commands: z.array(z.string().min(1)).min(1, "needs at least one command"),
    env: envMap.default({}),
    secrets: envMap.default({}),
    backend: z.enum(["local", "buildbot"]).default("local"),
    channels: z.array(z.string().min(1)).optional(),
    users: z.array(z.string().min(1)).optional(),
    protected_branches: z.record(z.string().min(1), z.array(z.string().min(1))).default({}),
    timeout: duration.default(30 * 60_000),
    concurrency: z.number().int().positive().default(1),
    notify_channel: z.string().min(1).optional(),
    /** Branch glob → channel for status posts of matching branches (first match wins, else notify_channel). */
    notify_branches: z.record(z.string().min(1), z.string().min(1)).default({}),
    /** Which builds the channel hears about: every one, unsuccessful ones, or changes (broken and fixed). */
    notify: z.enum(["all", "failures", "changes"]).default("all"),
  })
  .strict();

const mattermostSchema = z
  .object({
    token: stringList,
    webhook_url: httpUrl.optional(),
    channels: z.array(z.string().min(1)).optional(),
    admins: z.array(z.string().min(1)).default([]),
    username: z.string().min(1).default("slashbuild"),
    icon_url: httpUrl.optional(),
    /** Bot mode (REST API v4, one post per build patched in place) when both url and bot_token are set. */
    url: httpUrl.transform((u) => u.replace(/\/+$/, "")).optional(),
    bot_token: z.string().min(1).optional(),
    /** Team name used to resolve channel names (notify_channel, notify_branches) to ids in bot mode. */
    team: z.string().min(1).optional(),
    /** Key of the HMAC that signs button clicks; default: derived from the first slash token. */
    action_secret: z.string().min(16, "must be at least 16 characters").optional(),
    /** How long a button keeps working after the post carrying it was last written. */
    button_lifetime: duration.default(30 * 86_400_000),
  })
  .strict()
  .refine((m) => (m.url === undefined) === (m.bot_token === undefined), {
    message: "bot mode needs both url and bot_token (or neither, for webhook mode)",
  });

const runnerSchema = z
  .object({
    concurrency: z.number().int().positive().default(2),
    log_limit: size.default(10_000_000),
  })
  .strict();

const deliverySchema = z
  .object({
    max_backoff: duration.default(300_000),
    initial_backoff: duration.default(1_000),
    timeout: duration.default(10_000),
    /** Sustained sends per second; below Mattermost's default limit of 10/s so a burst never meets a 429. */
    rate_per_second: z.number().positive().default(5),
    /** Sends allowed back to back before the rate applies (Mattermost's default burst is 100). */
    burst: z.number().int().positive().default(20),
  })
  .strict();

/** Bounds on builds waiting to start (issue 8): over one, a request gets an ephemeral refusal. */
const queueSchema = z
  .object({
    max_per_user: z.number().int().positive().default(10),
    max_total: z.number().int().positive().default(100),
  })
  .strict();

/** Web UI sign-in (issue 4). Without users the web UI is read-only. */
const webSchema = z
  .object({
    users: z
      .record(
        z
          .string()
          .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "web user names use letters, digits, '.', '_' and '-'"),
        z.string().regex(/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=_-]+\$[A-Za-z0-9+/=_-]+$/, {
          error: "must be a hash made by `slashbuild hash-password`, never a plain password",
        }),
      )
      .default({}),
    session_secret: z
      .string()
      .min(32, "must be at least 32 characters (e.g. `openssl rand -hex 32`)")
      .optional(),
    session_ttl: duration.default(12 * 3_600_000),
    secure_cookies: z.boolean().optional(),
    /** Who may read build pages, logs and /api: signed-in users only (default), or anyone. */
    read: z.enum(["public", "signed_in"]).default("signed_in"),
    /** Sign in with Mattermost (an OAuth 2.0 application registered in Mattermost). */
    mattermost_sign_in: z
      .object({
        /** The Mattermost server's SiteURL; default mattermost.url. */
        url: httpUrl.transform((u) => u.replace(/\/+$/, "")).optional(),
        client_id: z.string().min(1),
        client_secret: z.string().min(1),
      })
      .strict()
      .optional(),
  })
  .strict();

/** /metrics access (issue 11): off the public web unless a bearer token is configured. */
const metricsSchema = z
  .object({
    /** loopback: only requests made directly from this machine; token: Authorization: Bearer; off: no /metrics. */
    access: z.enum(["loopback", "token", "off"]).default("loopback"),
    token: z.string().min(16, "must be at least 16 characters (e.g. `openssl rand -hex 32`)").optional(),
  })
  .strict()
  .refine((m) => m.access !== "token" || m.token !== undefined, {
    message: "access: token needs metrics.token (the scraper sends it as Authorization: Bearer <token>)",
  });

const healthSchema = z
  .object({
    /** /readyz fails when data_dir's filesystem has less than this free. */
    min_free_disk: size.default(100_000_000),
  })
  .strict();

export const configSchema = z
  .object({
    listen: listen.default({ host: "127.0.0.1", port: 8080 }),
    public_url: httpUrl.transform((u) => u.replace(/\/+$/, "")),
    data_dir: z.string().min(1).default("./data"),
    log_level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    mattermost: mattermostSchema,
    runner: runnerSchema.prefault({}),
    delivery: deliverySchema.prefault({}),
    queue: queueSchema.prefault({}),
    web: webSchema.prefault({}),
    metrics: metricsSchema.prefault({}),
    health: healthSchema.prefault({}),
    buildbot: buildbotConfigSchema.optional(),
    repos: z
      .record(z.string().regex(REPO_NAME, "repo names use letters, digits, '.', '_' and '-'"), repoSchema)
      .refine((repos) => Object.keys(repos).length > 0, "needs at least one repo"),
  })
  .strict()
  .superRefine((config, ctx) => {
    const signIn = config.web.mattermost_sign_in;
    if (signIn && !signIn.url && !config.mattermost.url) {
      ctx.addIssue({
        code: "custom",
        path: ["web", "mattermost_sign_in", "url"],
        message: "needs the Mattermost server's URL: set web.mattermost_sign_in.url (or mattermost.url)",
      });
    }
    // A repo may only name a backend that is configured.
    const onBuildbot = Object.entries(config.repos)
      .filter(([, repo]) => repo.backend === "buildbot")
      .map(([name]) => name);
    if (onBuildbot.length > 0 && !config.buildbot) {
      ctx.addIssue({
        code: "custom",
        path: ["buildbot"],
        message: `repos ${onBuildbot.join(", ")} use backend: buildbot: add a buildbot: section (url, username, password, status_secret)`,
      });
    }
  });

export type ConfigInput = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;
export type ParsedRepo = z.output<typeof repoSchema>;
