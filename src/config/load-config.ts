import { readFileSync } from "node:fs";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { SlashbuildError } from "../core/errors.js";
import type { ForgeKind } from "../core/triggers/trigger.js";
import { toApiConfig } from "./api-schema.js";
import { toBuildbotConfig } from "./buildbot-schema.js";
import type { BuildNetwork, Config, ForgeConfig, RepoConfig, SandboxLimits } from "./config.js";
import { toDeployConfig } from "./deploy-schema.js";
import { formatIssues } from "./format-issues.js";
import { interpolateEnv } from "./interpolate-env.js";
import { moveKeys } from "./moved-keys.js";
import { configSchema, type ParsedConfig, type ParsedRepo } from "./schema.js";

export interface LoadOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The file the text came from: kept so the sandbox can hide it from builds. */
  readonly file?: string;
}

/** Reads, interpolates, validates and freezes a config file. Throws a SlashbuildError naming every problem. */
export function loadConfig(file: string, options: LoadOptions = {}): Config {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new SlashbuildError(
      "CONFIG_NOT_FOUND",
      `cannot read config file ${file}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  return parseConfig(text, {
    ...options,
    file: path.resolve(file),
    baseDir: path.dirname(path.resolve(file)),
  });
}

export function parseConfig(text: string, options: LoadOptions & { baseDir: string }): Config {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new SlashbuildError("CONFIG_INVALID", `config is not valid YAML: ${(error as Error).message}`);
  }
  const interpolated = interpolateEnv(document ?? {}, options.env ?? process.env);
  // Keys in their old place are read in their new one (config/moved-keys.ts).
  const { document: current, moved, problems } = moveKeys(interpolated);
  const result = configSchema.safeParse(current);
  if (!result.success || problems.length > 0) {
    const issues = [
      ...problems.map((problem) => `  - ${problem}`),
      ...(result.success ? [] : [formatIssues(result.error.issues, moved)]),
    ];
    throw new SlashbuildError("CONFIG_INVALID", `config is invalid:\n${issues.join("\n")}`);
  }
  const config = { ...toConfig(result.data, options.baseDir), movedKeys: moved };
  const clash = workspacesClash(config);
  if (clash)
    throw new SlashbuildError("CONFIG_INVALID", `config is invalid:\n  - runner.workspaces_dir: ${clash}`);
  return deepFreeze(options.file ? { ...config, configFile: options.file } : config);
}

function toConfig(parsed: ParsedConfig, baseDir: string): Config {
  return {
    listen: parsed.listen,
    publicUrl: parsed.public_url,
    dataDir: path.resolve(baseDir, parsed.data_dir),
    logLevel: parsed.log_level,
    mattermost: {
      tokens: parsed.mattermost.token,
      webhookUrl: parsed.mattermost.webhook_url ?? null,
      username: parsed.mattermost.username,
      iconUrl: parsed.mattermost.icon_url ?? null,
      url: parsed.mattermost.url ?? null,
      botToken: parsed.mattermost.bot_token ?? null,
      team: parsed.mattermost.team ?? null,
      actionSecret: parsed.mattermost.action_secret ?? null,
      buttonLifetimeMs: parsed.mattermost.button_lifetime,
    },
    access: { channels: parsed.access.channels ?? null, admins: parsed.access.admins },
    runner: {
      concurrency: parsed.runner.concurrency,
      logLimitBytes: parsed.runner.log_limit,
      sandbox: parsed.runner.sandbox,
      killGraceMs: parsed.runner.kill_grace,
      network: parsed.runner.network,
      limits: toLimits(parsed.runner.limits),
      workspacesDir: path.resolve(
        baseDir,
        parsed.runner.workspaces_dir ?? path.join(parsed.data_dir, "workspaces"),
      ),
      buildUid: parsed.runner.build_uid,
      buildGid: parsed.runner.build_gid,
      readOnlyPaths: parsed.runner.read_only_paths,
      writablePaths: parsed.runner.writable_paths,
      testReports: {
        maxFiles: parsed.runner.test_reports.max_files,
        maxFileBytes: parsed.runner.test_reports.max_file_size,
        maxTotalBytes: parsed.runner.test_reports.max_total_size,
        maxFailures: parsed.runner.test_reports.max_failures,
      },
    },
    delivery: {
      initialBackoffMs: parsed.delivery.initial_backoff,
      maxBackoffMs: parsed.delivery.max_backoff,
      timeoutMs: parsed.delivery.timeout,
      ratePerSecond: parsed.delivery.rate_per_second,
      burst: parsed.delivery.burst,
      probeIntervalMs: parsed.delivery.probe_interval,
      digestAfter: parsed.delivery.digest_after,
    },
    retention: {
      buildsPerRepo: parsed.retention.builds_per_repo,
      logsMs: parsed.retention.logs,
      deliveredPostsMs: parsed.retention.delivered_posts,
      intervalMs: parsed.retention.interval,
      artifactsMs: parsed.retention.artifacts,
    },
    artifacts: {
      maxFileBytes: parsed.artifacts.max_file_size,
      maxBuildBytes: parsed.artifacts.max_build_size,
      maxFiles: parsed.artifacts.max_files,
    },
    web: {
      users: parsed.web.users,
      sessionSecret: parsed.web.session_secret ?? null,
      sessionTtlMs: parsed.web.session_ttl,
      secureCookies: parsed.web.secure_cookies ?? parsed.public_url.startsWith("https:"),
      read: parsed.web.read,
      mattermostSignIn: parsed.web.mattermost_sign_in
        ? {
            url: (parsed.web.mattermost_sign_in.url ?? parsed.mattermost.url) as string,
            clientId: parsed.web.mattermost_sign_in.client_id,
            clientSecret: parsed.web.mattermost_sign_in.client_secret,
          }
        : null,
    },
    queue: { maxPerUser: parsed.queue.max_per_user, maxTotal: parsed.queue.max_total },
    metrics: { access: parsed.metrics.access, token: parsed.metrics.token ?? null },
    health: { minFreeDiskBytes: parsed.health.min_free_disk },
    api: toApiConfig(parsed.api),
    buildbot: parsed.buildbot ? toBuildbotConfig(parsed.buildbot, parsed.public_url) : null,
    forges: toForges(parsed.forges),
    repos: Object.fromEntries(
      Object.entries(parsed.repos).map(([name, repo]) => [
        name,
        toRepo(name, repo, baseDir, parsed.runner.network, defaultForge(parsed.forges)),
      ]),
    ),
  };
}

function toForges(forges: ParsedConfig["forges"]): Record<ForgeKind, ForgeConfig> {
  const out: Record<ForgeKind, ForgeConfig> = {};
  for (const [kind, forge] of Object.entries(forges)) {
    out[kind] = {
      kind,
      apiUrl: forge.api_url ?? null,
      token: forge.token ?? null,
      webhookSecret: forge.webhook_secret ?? null,
      statusContext: forge.status_context,
      mattermostUsers: Object.fromEntries(
        Object.entries(forge.mattermost_users).map(([email, user]) => [email.toLowerCase(), user]),
      ),
    };
  }
  return out;
}

function defaultForge(forges: ParsedConfig["forges"]): ForgeKind | null {
  const configured = Object.keys(forges);
  return configured.length === 1 ? (configured[0] ?? null) : null;
}

/** owner/name from https://host/owner/name(.git), ssh://git@host/owner/name.git or git@host:owner/name.git. */
export function fullNameFromUrl(url: string): string | null {
  const match = /^[a-z][a-z0-9+.-]*:\/\/[^/]+\/(.+)$/i.exec(url) ?? /^[^/@\s]+@[^:/\s]+:(.+)$/.exec(url);
  const path = match?.[1]?.replace(/\/+$/, "").replace(/\.git$/, "");
  return path?.includes("/") ? path : null;
}

function toRepo(
  name: string,
  repo: ParsedRepo,
  baseDir: string,
  network: BuildNetwork,
  forge: ForgeKind | null,
): RepoConfig {
  const on = repo.on;
  return {
    name,
    url: resolveLocalUrl(repo.url, baseDir),
    defaultBranch: repo.branch,
    commands: repo.commands,
    env: repo.env,
    secrets: repo.secrets,
    backend: repo.backend,
    channels: repo.channels ?? null,
    users: repo.users ?? null,
    protectedBranches: repo.protected_branches,
    timeoutMs: repo.timeout,
    concurrency: repo.concurrency,
    notifyChannel: repo.notify_channel ?? null,
    notifyBranches: repo.notify_branches,
    notify: repo.notify,
    on: {
      push: on?.push ?? [],
      tags: on?.tags ?? [],
      pullRequest: on?.pull_request ?? false,
      schedules: (on?.schedule ?? []).map((schedule, index) => {
        const branch = schedule.branch ?? repo.branch;
        return {
          name: schedule.name ?? `${name} ${branch} #${index + 1} (${schedule.cron})`,
          cron: schedule.cron,
          branch,
          timezone: schedule.timezone ?? null,
          onlyIfChanged: schedule.only_if_changed,
        };
      }),
    },
    forge: repo.forge ?? forge,
    fullName: repo.full_name ?? fullNameFromUrl(repo.url),
    webhookSecret: repo.webhook_secret ?? null,
    artifacts: repo.artifacts,
    testReports: repo.test_reports,
    publicBadge: repo.public_badge,
    network: repo.network ?? network,
    deploy: repo.deploy ? toDeployConfig(repo.deploy, repo.branch, repo.timeout) : null,
    ...(repo.limits ? { limits: toLimits(repo.limits) } : {}),
  };
}

/** Only the keys the file sets, so a repo's limits override the runner's key by key. */
function toLimits(limits: NonNullable<ParsedRepo["limits"]>): SandboxLimits {
  return {
    ...(limits.processes !== undefined ? { processes: limits.processes } : {}),
    ...(limits.file_size !== undefined ? { fileSizeBytes: limits.file_size } : {}),
    ...(limits.memory !== undefined ? { memoryBytes: limits.memory } : {}),
    ...(limits.cpu_time !== undefined ? { cpuTimeMs: limits.cpu_time } : {}),
    ...(limits.disk !== undefined ? { diskBytes: limits.disk } : {}),
    ...(limits.tmpfs !== undefined ? { tmpfsBytes: limits.tmpfs } : {}),
    ...(limits.cpu_weight !== undefined ? { cpuWeight: limits.cpu_weight } : {}),
  };
}

/**
 * Workspaces are created, renamed and removed by build number: they must not share a folder with
 * the database, the mirrors or the logs (a workspace "git" or a removal of "logs").
 */
function workspacesClash(config: Config): string | null {
  const workspaces = config.runner.workspacesDir;
  if (workspaces === undefined) return null;
  const inside = (dir: string, parent: string) => !path.relative(parent, dir).startsWith("..");
  if (inside(config.dataDir, workspaces)) {
    return `${workspaces} is data_dir or holds it: pick a folder of its own, e.g. /srv/slashbuild-workspaces`;
  }
  for (const own of ["git", "logs"]) {
    if (inside(workspaces, path.join(config.dataDir, own))) {
      return `${workspaces} lies in data_dir's ${own}/ folder: pick a folder of its own, e.g. /srv/slashbuild-workspaces`;
    }
  }
  return null;
}

/** A relative local path (./repo, ../x.bundle) is resolved against the config file's folder. */
function resolveLocalUrl(url: string, baseDir: string): string {
  return url.startsWith("./") || url.startsWith("../") ? path.resolve(baseDir, url) : url;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}
