import type { BackendName } from "../core/build.js";
import type { QueueLimits } from "../core/queue-limits.js";
import type { ForgeKind } from "../core/triggers/trigger.js";
import type { BuildbotConfig } from "./buildbot-schema.js";
import type { MovedKey } from "./moved-keys.js";

/** The validated, frozen configuration every module receives. Built once by loadConfig(). */
export interface Config {
  readonly listen: { readonly host: string; readonly port: number };
  /** Base of every link slashbuild posts, without a trailing slash. */
  readonly publicUrl: string;
  /** Absolute path: SQLite database, logs, git mirrors, workspaces. */
  readonly dataDir: string;
  readonly logLevel: string;
  readonly mattermost: MattermostConfig;
  /** Who may use /build where: slashbuild's rule, whatever chat platform carries the command. */
  readonly access: AccessConfig;
  readonly runner: RunnerConfig;
  /** The config file this came from (hidden from builds); absent for configs made in code. */
  readonly configFile?: string;
  /** Keys the file still writes in their old place (config/moved-keys.ts); absent or [] = none. */
  readonly movedKeys?: readonly MovedKey[];
  readonly delivery: {
    readonly initialBackoffMs: number;
    readonly maxBackoffMs: number;
    readonly timeoutMs: number;
    readonly ratePerSecond: number;
    readonly burst: number;
    readonly probeIntervalMs: number;
    /** More pending finish posts than this for one channel are sent as digest posts. */
    readonly digestAfter: number;
  };
  readonly web: WebConfig;
  /** Bounds on queued builds, per person and in all. */
  readonly queue: QueueLimits;
  /** Who may read /metrics: loopback only (default), a bearer token, or nobody. */
  readonly metrics: { readonly access: "loopback" | "token" | "off"; readonly token: string | null };
  readonly health: { readonly minFreeDiskBytes: number };
  readonly retention: RetentionConfig;
  /** Caps on what one build keeps (repos.<name>.artifacts); absent in hand-built configs = the defaults. */
  readonly artifacts?: ArtifactLimits;
  readonly repos: Readonly<Record<string, RepoConfig>>;
  /** The Buildbot master for repos with `backend: buildbot`; null when none is configured. */
  readonly buildbot: BuildbotConfig | null;
  /** Tokens for scripts reading (and, if granted, rebuilding or stopping) builds over /api; optional for hand-built configs. */
  readonly api?: ApiConfig;
  /** Git hosts that send webhooks and receive commit statuses; absent ones are not set up. Optional for hand-built configs. */
  readonly forges?: Readonly<Record<ForgeKind, ForgeConfig>>;
}

/** The HTTP API's bearer tokens (api-schema.ts). */
export interface ApiConfig {
  readonly tokens: readonly ApiToken[];
}

export interface ApiToken {
  /** Who the token acts as: its requester name, matched by permission rules like a user name. */
  readonly name: string;
  /** The secret itself (compared in constant time, masked everywhere). */
  readonly token: string;
  /** Beyond reading: what the token may do. */
  readonly can: readonly ("rebuild" | "stop")[];
}

export interface ForgeConfig {
  readonly kind: ForgeKind;
  /** As the file sets it; null = the host's default (src/forges/, which also refuses a host without one). */
  readonly apiUrl: string | null;
  /** Sets commit statuses; null = no statuses. A secret: masked in build logs. */
  readonly token: string | null;
  readonly webhookSecret: string | null;
  readonly statusContext: string;
  /** Lower-cased commit email → Mattermost username. */
  readonly mattermostUsers: Readonly<Record<string, string>>;
}

export interface ScheduleConfig {
  readonly name: string;
  readonly cron: string;
  readonly branch: string;
  readonly timezone: string | null;
  readonly onlyIfChanged: boolean;
}

export interface RepoTriggers {
  readonly push: readonly string[];
  readonly tags: readonly string[];
  readonly pullRequest: boolean;
  readonly schedules: readonly ScheduleConfig[];
}

/** What history is kept; the pruner (store/retention-pruner.ts) applies it in the background. */
export interface RetentionConfig {
  readonly buildsPerRepo: number;
  readonly logsMs: number;
  readonly deliveredPostsMs: number;
  readonly intervalMs: number;
  /** Kept artifacts of builds that finished longer ago are deleted; absent = 7 days. */
  readonly artifactsMs?: number;
}

/** What one build may keep as artifacts; past a cap a file is listed as not kept, with why. */
export interface ArtifactLimits {
  readonly maxFileBytes: number;
  readonly maxBuildBytes: number;
  readonly maxFiles: number;
}

/** Web UI sign-in. With no users the web UI is read-only: no Stop or Rebuild, every POST refused. */
export interface WebConfig {
  /** User name → scrypt hash from `slashbuild hash-password`. Names are matched like Mattermost users. */
  readonly users: Readonly<Record<string, string>>;
  /** Signs session cookies; null means a random one per process (sign-ins end at a restart). */
  readonly sessionSecret: string | null;
  readonly sessionTtlMs: number;
  /** Secure flag on cookies; defaults to whether public_url is https. */
  readonly secureCookies: boolean;
  /** Who may read builds: "signed_in" (default) sends everyone else to the sign-in page. */
  readonly read: "public" | "signed_in";
  /** Sign in with Mattermost (OAuth 2.0 authorization code); null = only the local users. Optional for hand-built configs. */
  readonly mattermostSignIn?: MattermostSignIn | null;
}

export interface MattermostSignIn {
  /** Mattermost's SiteURL, without a trailing slash. */
  readonly url: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

/** `access:` (formerly `mattermost.channels` and `mattermost.admins`, still read there). */
export interface AccessConfig {
  /** Channels (name or id) allowed to run /build; null means every channel. A repo's `channels` overrides it. */
  readonly channels: readonly string[] | null;
  /** Users (name or id) who may build any branch of any repo and stop any build. */
  readonly admins: readonly string[];
}

export interface MattermostConfig {
  /** Accepted slash-command tokens (a list lets a token be rotated without downtime). */
  readonly tokens: readonly string[];
  /** Incoming webhook for status posts; without it, status posts are printed to the console. */
  readonly webhookUrl: string | null;
  readonly username: string;
  readonly iconUrl: string | null;
  /** Bot mode: the server's base URL and the bot's access token; both null in webhook mode. */
  readonly url: string | null;
  readonly botToken: string | null;
  /** Team whose channels notify_channel / notify_branches name (bot mode resolves names to ids). */
  readonly team: string | null;
  /** Explicit HMAC key for buttons; null = derived from the first slash token. */
  readonly actionSecret: string | null;
  /** How long a signed button context stays valid after it was signed; optional for hand-built configs (default 30 days). */
  readonly buttonLifetimeMs?: number;
}

/** The embedded runner. Fields past logLimitBytes are optional so configs built in code get the safe defaults. */
export interface RunnerConfig {
  readonly concurrency: number;
  readonly logLimitBytes: number;
  /** Default "bwrap"; "none" only when a config says so explicitly. */
  readonly sandbox?: SandboxMode;
  /** Default true. */
  readonly network?: BuildNetwork;
  /** Between SIGTERM and SIGKILL; default 5 s. */
  readonly killGraceMs?: number;
  /** Defaults for every repo (see DEFAULT_LIMITS in backends/local/sandbox-limits.ts). */
  readonly limits?: SandboxLimits;
  /** Absolute path of the builds' working copies; absent = `<dataDir>/workspaces` (see workspacesDir()). */
  readonly workspacesDir?: string;
  /** Host uid/gid of builds when slashbuild runs as root; default 65534 (nobody). */
  readonly buildUid?: number;
  readonly buildGid?: number;
  /** Host paths builds may read besides the system ones. */
  readonly readOnlyPaths?: readonly string[];
  /** Host paths builds may write (shared caches); every build shares them. */
  readonly writablePaths?: readonly string[];
  /** Caps on reading test reports; absent = the defaults (DEFAULT_TEST_REPORT_LIMITS). */
  readonly testReports?: TestReportLimits;
}

/** runner.test_reports: how much of a build's JUnit reports is read and kept. */
export interface TestReportLimits {
  readonly maxFiles: number;
  readonly maxFileBytes: number;
  readonly maxTotalBytes: number;
  readonly maxFailures: number;
}

export const DEFAULT_TEST_REPORT_LIMITS: TestReportLimits = {
  maxFiles: 10_000,
  maxFileBytes: 100_000_000,
  maxTotalBytes: 200_000_000,
  maxFailures: 50,
};

export type SandboxMode = "bwrap" | "none";

/**
 * true: a network namespace of the build's own, reaching the internet through user-mode NAT but
 * nothing of the host; false: loopback of its own only; "host": the host's network namespace.
 */
export type BuildNetwork = boolean | "host";

/** Limits of a build in the sandbox; null turns one off, undefined takes the default. */
export interface SandboxLimits {
  readonly processes?: number | null;
  readonly fileSizeBytes?: number | null;
  /** The step's cgroup memory where one can be had, else RLIMIT_AS per process. */
  readonly memoryBytes?: number | null;
  readonly cpuTimeMs?: number | null;
  /** The workspace's size on disk; past it the build ends. */
  readonly diskBytes?: number | null;
  /** Size of each tmpfs of the sandbox (/tmp, /var/tmp, HOME). */
  readonly tmpfsBytes?: number | null;
  /** The step's cgroup CPU weight (1 to 10000). */
  readonly cpuWeight?: number | null;
}

export type NotifyFilter = "all" | "failures" | "changes";

export interface RepoConfig {
  readonly name: string;
  readonly url: string;
  readonly defaultBranch: string;
  readonly commands: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** Like env, and their values are masked in logs and chat. */
  readonly secrets: Readonly<Record<string, string>>;
  readonly backend: BackendName;
  /** Overrides access.channels for this repo; null inherits it. */
  readonly channels: readonly string[] | null;
  /** Who may build this repo; null means anyone in an allowed channel. */
  readonly users: readonly string[] | null;
  /** Branch glob → users allowed to build matching branches (others may not). */
  readonly protectedBranches: Readonly<Record<string, readonly string[]>>;
  readonly timeoutMs: number;
  /** Builds of this repo that may run at once (default 1). */
  readonly concurrency: number;
  /** Channel that receives this repo's status posts instead of the webhook's own channel. */
  readonly notifyChannel: string | null;
  /** Branch glob → channel, checked in order before notifyChannel. Optional so hand-built configs in tests stay valid; loadConfig always sets it. */
  readonly notifyBranches?: Readonly<Record<string, string>>;
  /** Absent = "all". */
  readonly notify?: NotifyFilter;
  /** Absent = runner.network. */
  readonly network?: BuildNetwork;
  /** Over runner.limits, key by key. */
  readonly limits?: SandboxLimits;
  /** Builds on push, pull request, schedule; absent = none. */
  readonly on?: RepoTriggers;
  /** The forge the repo lives on (webhooks, commit statuses); absent = none. */
  readonly forge?: ForgeKind | null;
  /** owner/name on the forge, matched against webhook payloads. */
  readonly fullName?: string | null;
  readonly webhookSecret?: string | null;
  /** /badge/<repo>/<branch>.svg answers for this repo to anyone (default false: the unknown badge). */
  readonly publicBadge?: boolean;
  /** Globs of JUnit XML reports in the working copy (embedded runner); absent = none. */
  readonly testReports?: readonly string[];
  /** Globs of files kept after the build, relative to the working copy; absent = none. */
  readonly artifacts?: readonly string[];
  /** Deploying from chat (issue 20): its commands and environments; absent or null = none. */
  readonly deploy?: DeployConfig | null;
}

/** A repo's `deploy:` section: what deploys, and where to. */
export interface DeployConfig {
  readonly commands: readonly string[];
  readonly timeoutMs: number;
  readonly environments: Readonly<Record<string, EnvironmentConfig>>;
}

export interface EnvironmentConfig {
  readonly name: string;
  /** Branch globs whose green revisions may be deployed here. */
  readonly branches: readonly string[];
  /** The first of `branches` without a glob (else the repo's branch): `/build deploy` without a revision. */
  readonly defaultBranch: string;
  readonly auto: boolean;
  /** Distinct people besides the requester who must approve; 0 = none. */
  readonly approvals: number;
  /** Names or ids of who may approve; admins always may. */
  readonly approvers: readonly string[];
  /** Cron patterns (croner): while one matches the current minute, deploys are refused. */
  readonly freeze: readonly string[];
  /** IANA zone of the freeze patterns; null = the server's. */
  readonly timezone: string | null;
  readonly lockTtlMs: number;
  readonly approvalExpiryMs: number;
  readonly rollbackApproval: boolean;
  readonly env: Readonly<Record<string, string>>;
  /** Seen by this environment's deploys only; masked everywhere. */
  readonly secrets: Readonly<Record<string, string>>;
}
