import { Cron } from "croner";
import { z } from "zod";
import type { DeployConfig, EnvironmentConfig } from "./config.js";
import { duration } from "./schema-types.js";

/**
 * A repo's `deploy:` section (issue 20): the commands that deploy, and the environments they deploy
 * to, each with the branches it takes revisions from, approvals, freezes, locks and secrets of its
 * own. Kept apart from schema.ts so each stays readable; toDeployConfig is its one translation to
 * the camelCase Config.
 */

/** Environment names appear in chat, URLs and SLASHBUILD_ENVIRONMENT: the repo names' alphabet. */
const ENVIRONMENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Deploy commands see these from slashbuild; a config may not set them (they would lie). */
const RESERVED_ENV_PREFIX = "SLASHBUILD_";

const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be a shell variable name")
  .refine(
    (name) => !name.startsWith(RESERVED_ENV_PREFIX),
    `${RESERVED_ENV_PREFIX}* names are slashbuild's own`,
  );

const envMap = z.record(envName, z.string());

function validTimezone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const environmentSchema = z
  .object({
    /** Branch globs whose revisions may go here; the first without a glob is the default branch. */
    branches: z.array(z.string().min(1)).min(1).optional(),
    /** Deploy each green build of these branches, as if requested by whoever asked for the build. */
    auto: z.boolean().default(false),
    /** Distinct people (other than the requester) who must approve a deploy. */
    approvals: z.number().int().nonnegative().max(10).default(0),
    /** Who may approve (names or ids); admins always may. Empty = admins only. */
    approvers: z.array(z.string().min(1)).default([]),
    /** Cron patterns (croner): every minute a pattern matches, deploys are refused. */
    freeze: z.array(z.string().min(1)).default([]),
    /** IANA time zone of the freeze patterns; default: the server's. */
    timezone: z
      .string()
      .min(1)
      .refine(validTimezone, "is not an IANA time zone (e.g. Europe/Berlin)")
      .optional(),
    /** How long a lock holds before it lapses by itself. */
    lock_ttl: duration.default(8 * 3_600_000),
    /** How long a deploy waits for its approvals before it expires. */
    approval_expiry: duration.default(24 * 3_600_000),
    /** Whether a rollback needs the same approvals as a deploy (default: no). */
    rollback_approval: z.boolean().default(false),
    /** Extra environment for this environment's deploys. */
    env: envMap.default({}),
    /** Secrets only this environment's deploys see; masked everywhere like the repo's. */
    secrets: envMap.default({}),
  })
  .strict()
  .superRefine((environment, ctx) => {
    for (const [index, pattern] of environment.freeze.entries()) {
      try {
        new Cron(pattern, {
          paused: true,
          ...(environment.timezone ? { timezone: environment.timezone } : {}),
        });
      } catch (error) {
        ctx.addIssue({
          code: "custom",
          path: ["freeze", index],
          message: `"${pattern}" is not a cron pattern (${(error as Error).message}); write e.g. "* * * * 5-6" (Friday and Saturday)`,
        });
      }
    }
    if (environment.branches && !environment.branches.some((branch) => !branch.includes("*"))) {
      ctx.addIssue({
        code: "custom",
        path: ["branches"],
        message: "needs one branch without a glob: the default of `/build deploy` without a revision",
      });
    }
  });

export const deploySchema = z
  .object({
    commands: z.array(z.string().min(1)).min(1, "needs at least one command, e.g. [make deploy]"),
    /** The whole deploy; default: the repo's timeout. */
    timeout: duration.optional(),
    environments: z
      .record(
        z.string().regex(ENVIRONMENT_NAME, "environment names use letters, digits, '.', '_' and '-'"),
        environmentSchema,
      )
      .refine((environments) => Object.keys(environments).length > 0, "needs at least one environment"),
  })
  .strict();

export type ParsedDeploy = z.output<typeof deploySchema>;

/** checkDeploy for every repo with a `deploy:` section. */
export function checkDeploys(
  repos: Readonly<Record<string, { readonly deploy?: ParsedDeploy | undefined }>>,
  admins: readonly string[],
  ctx: z.RefinementCtx,
): void {
  for (const [name, repo] of Object.entries(repos)) {
    if (repo.deploy) checkDeploy(repo.deploy, admins, ctx, ["repos", name, "deploy"]);
  }
}

/**
 * What one repo's section cannot say alone: approvals nobody could give (more than the approvers
 * plus admins make up).
 */
export function checkDeploy(
  deploy: ParsedDeploy,
  admins: readonly string[],
  ctx: z.RefinementCtx,
  path: readonly (string | number)[],
): void {
  for (const [name, environment] of Object.entries(deploy.environments)) {
    const people = new Set([...environment.approvers, ...admins]);
    if (environment.approvals > 0 && !people.has("*") && people.size < environment.approvals) {
      ctx.addIssue({
        code: "custom",
        path: [...path, "environments", name, "approvals"],
        message: `${environment.approvals} approvals need at least ${environment.approvals} people who may approve: list them in approvers (admins count too)`,
      });
    }
  }
}

export function toDeployConfig(
  deploy: ParsedDeploy,
  repoBranch: string,
  repoTimeoutMs: number,
): DeployConfig {
  const environments: Record<string, EnvironmentConfig> = {};
  for (const [name, environment] of Object.entries(deploy.environments)) {
    const branches = environment.branches ?? [repoBranch];
    environments[name] = {
      name,
      branches,
      defaultBranch: branches.find((branch) => !branch.includes("*")) ?? repoBranch,
      auto: environment.auto,
      approvals: environment.approvals,
      approvers: environment.approvers,
      freeze: environment.freeze,
      timezone: environment.timezone ?? null,
      lockTtlMs: environment.lock_ttl,
      approvalExpiryMs: environment.approval_expiry,
      rollbackApproval: environment.rollback_approval,
      env: environment.env,
      secrets: environment.secrets,
    };
  }
  return { commands: deploy.commands, timeoutMs: deploy.timeout ?? repoTimeoutMs, environments };
}
