import { z } from "zod";
import { apiSchema } from "./api-schema.js";
import { artifactGlobs, artifactsSchema, checkArtifactBackends } from "./artifacts-schema.js";
import { buildbotConfigSchema } from "./buildbot-schema.js";
import { accessSchema, mattermostSchema } from "./chat-schema.js";
import { checkDeploys, deploySchema } from "./deploy-schema.js";
import { forgeName, forgesSchema, repoTriggersSchema } from "./forge-schema.js";
import { limitsSchema } from "./limits-schema.js";
import { networkSchema, runnerSchema } from "./runner-schema.js";
import { duration, httpUrl, size } from "./schema-types.js";
import { checkTestReports, testReportGlobs } from "./test-reports-schema.js";
import { webSchema } from "./web-schema.js";

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

/** Repo names appear in chat, URLs and file names: keep them to a safe alphabet. */
const REPO_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

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
    /** The build's network (see runner-schema.ts); default: runner.network. */
    network: networkSchema.optional(),
    /** Overrides runner.limits key by key. */
    limits: limitsSchema.optional(),
    /** Files kept after the build, globs in the working copy (artifacts-schema.ts). */
    artifacts: artifactGlobs,
    /** Builds on push, pull request and schedule (see forge-schema.ts). */
    on: repoTriggersSchema.optional(),
    /** Which forges: entry the repo lives on; default: the only one configured. */
    forge: forgeName.optional(),
    /** owner/name on the forge; default: taken from url. Webhooks are matched by it or by clone URL. */
    full_name: z
      .string()
      .regex(/^[^\s/]+(\/[^\s/]+)+$/, "must be owner/name (GitLab: group/subgroup/name)")
      .optional(),
    /** This repo's webhook secret; overrides forges.<kind>.webhook_secret. */
    webhook_secret: z
      .string()
      .min(16, "must be at least 16 characters (e.g. `openssl rand -hex 20`)")
      .optional(),
    /** Deploying from chat: commands and environments (deploy-schema.ts). */
    deploy: deploySchema.optional(),
    /** Globs of JUnit XML reports in the working copy, read after each step (test-reports-schema.ts). */
    test_reports: testReportGlobs,
    /** Serve /badge/<repo>/<branch>.svg (each branch's latest verdict) to anyone, even under web.read: signed_in. */
    public_badge: z.boolean().default(false),
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
    /** During an outage, longest time between tries: delivery resumes at most this long after Mattermost is back. */
    probe_interval: duration.default(5_000),
    /** More pending finished builds than this for one channel go out as one digest post (issue 13). */
    digest_after: z.number().int().nonnegative().default(20),
  })
  .strict();

/** How much history is kept (issue 13): pruned in the background, never the unfinished builds. */
const retentionSchema = z
  .object({
    /** Newest finished builds kept per repo (with their steps, posts and logs); older ones are deleted. */
    builds_per_repo: z.number().int().positive().default(1000),
    /** Step logs of builds that finished longer ago than this are deleted (the build record stays). */
    logs: duration.default(30 * 86_400_000),
    /** Kept artifacts of builds that finished longer ago than this are deleted. */
    artifacts: duration.default(7 * 86_400_000),
    /** Status posts already sent (or given up, or superseded) are deleted after this. */
    delivered_posts: duration.default(7 * 86_400_000),
    /** How often the pruner runs. */
    interval: duration.default(10 * 60_000),
  })
  .strict();

/** Bounds on builds waiting to start (issue 8): over one, a request gets an ephemeral refusal. */
const queueSchema = z
  .object({
    max_per_user: z.number().int().positive().default(10),
    max_total: z.number().int().positive().default(100),
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
    /** /readyz fails, and the embedded runner starts no build, when data_dir's (or workspaces_dir's) filesystem has less than this free. */
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
    access: accessSchema.prefault({}),
    runner: runnerSchema.prefault({}),
    delivery: deliverySchema.prefault({}),
    retention: retentionSchema.prefault({}),
    queue: queueSchema.prefault({}),
    web: webSchema.prefault({}),
    metrics: metricsSchema.prefault({}),
    api: apiSchema.prefault({}),
    health: healthSchema.prefault({}),
    artifacts: artifactsSchema.prefault({}),
    buildbot: buildbotConfigSchema.optional(),
    forges: forgesSchema.prefault({}),
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
    checkForges(config, ctx);
    checkDeploys(config.repos, config.access.admins, ctx);
    checkArtifactBackends(config.repos, ctx);
    checkTestReports(config.repos, ctx);
  });

export type ParsedConfig = z.output<typeof configSchema>;
export type ParsedRepo = z.output<typeof repoSchema>;

type RawConfig = z.output<
  z.ZodObject<{
    forges: typeof forgesSchema;
    mattermost: typeof mattermostSchema;
    repos: z.ZodRecord<z.ZodString, typeof repoSchema>;
  }>
>;

/** Webhook-triggered repos need a forge to hear from, and a secret to check its signatures with. */
function checkForges(config: RawConfig, ctx: z.RefinementCtx): void {
  const configured = Object.keys(config.forges);
  for (const [name, repo] of Object.entries(config.repos)) {
    const hooked = (repo.on?.push.length ?? 0) + (repo.on?.tags.length ?? 0) > 0 || repo.on?.pull_request;
    if (repo.forge !== undefined && !Object.hasOwn(config.forges, repo.forge)) {
      ctx.addIssue({
        code: "custom",
        path: ["repos", name, "forge"],
        message: `names ${repo.forge}, but there is no forges.${repo.forge} section: add one`,
      });
      continue;
    }
    const triggered = hooked || (repo.on?.schedule.length ?? 0) > 0;
    const botMode = config.mattermost.url !== undefined && config.mattermost.bot_token !== undefined;
    if (triggered && botMode && !repo.notify_channel && Object.keys(repo.notify_branches).length === 0) {
      // Bot mode posts where /build was typed; a push or a schedule was typed nowhere.
      ctx.addIssue({
        code: "custom",
        path: ["repos", name, "notify_channel"],
        message:
          "in bot mode, builds on push, pull request or schedule need notify_channel (or notify_branches) to post in",
      });
    }
    if (!hooked) continue;
    const kind = repo.forge ?? (configured.length === 1 ? configured[0] : undefined);
    if (kind === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["repos", name, "forge"],
        message:
          configured.length === 0
            ? "on: push/pull_request needs a forges: section (e.g. forges.github) to receive webhooks from"
            : `several forges are configured: say which one this repo is on (forge: ${configured.join(" | ")})`,
      });
      continue;
    }
    if (!repo.webhook_secret && !config.forges[kind]?.webhook_secret) {
      ctx.addIssue({
        code: "custom",
        path: ["repos", name, "webhook_secret"],
        message: `on: push/pull_request needs a webhook secret: set webhook_secret here or in forges.${kind}`,
      });
    }
  }
}
