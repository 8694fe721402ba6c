import { Cron } from "croner";
import { z } from "zod";

/**
 * The config keys for builds on push, pull request and schedule (issue 10): the per-repo `on:`
 * block and the top-level `forges:` section. Kept apart from schema.ts so each stays readable.
 */

/**
 * A Git host's name as the file writes it (`forges.<name>`, `repos.<repo>.forge`). Which names
 * slashbuild serves is the host list's business (src/forges/forge-hosts.ts, checked at start-up
 * and by check-config): config/ knows no host.
 */
export const forgeName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,31}$/, "a Git host's name is lower-case, e.g. github, gitea or gitlab");

const globList = z
  .union([z.boolean(), z.string().min(1), z.array(z.string().min(1))])
  .transform((v) => (v === true ? ["*"] : v === false ? [] : Array.isArray(v) ? v : [v]));

function validTimezone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const scheduleSchema = z
  .object({
    name: z.string().min(1).optional(),
    cron: z.string().min(1),
    branch: z.string().min(1).optional(),
    timezone: z
      .string()
      .min(1)
      .refine(validTimezone, "is not an IANA time zone (e.g. Europe/Berlin)")
      .optional(),
    /** Skip the run when the branch tip was already built. */
    only_if_changed: z.boolean().default(false),
  })
  .strict()
  .superRefine((schedule, ctx) => {
    try {
      new Cron(schedule.cron, {
        paused: true,
        ...(schedule.timezone ? { timezone: schedule.timezone } : {}),
      });
    } catch (error) {
      ctx.addIssue({
        code: "custom",
        path: ["cron"],
        message: `"${schedule.cron}" is not a cron pattern (${(error as Error).message}); write e.g. "0 3 * * *"`,
      });
    }
  });

export const repoTriggersSchema = z
  .object({
    /** Branch globs built on push; `true` = every branch. */
    push: globList.default([]),
    /** Tag globs built on push; none unless asked. */
    tags: globList.default([]),
    /** Build pull/merge requests when opened, reopened or given new commits. */
    pull_request: z.boolean().default(false),
    schedule: z.array(scheduleSchema).default([]),
  })
  .strict();

const forgeSchema = z
  .object({
    /** API base, e.g. https://api.github.com, https://gitea.example.com/api/v1; absent = the host's default. */
    api_url: z
      .url({ protocol: /^https?$/, error: "must be an http(s) URL" })
      .transform((u) => u.replace(/\/+$/, ""))
      .optional(),
    /** Token that may set commit statuses; without it no statuses are sent. */
    token: z.string().min(1).optional(),
    /** Shared secret of the webhook, for every repo on this host without its own webhook_secret. */
    webhook_secret: z
      .string()
      .min(16, "must be at least 16 characters (e.g. `openssl rand -hex 20`)")
      .optional(),
    /** The commit status's name on the host. */
    status_context: z.string().min(1).max(255).default("slashbuild"),
    /** Commit author email → Mattermost username, for @-mentions when a pushed build fails. */
    mattermost_users: z.record(z.string().min(3), z.string().min(1)).default({}),
  })
  .strict();

export const forgesSchema = z.record(forgeName, forgeSchema);
