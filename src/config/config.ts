import type { BackendName } from "../core/build.js";
import type { QueueLimits } from "../core/queue-limits.js";
import type { BuildbotConfig } from "./buildbot-schema.js";

/** The validated, frozen configuration every module receives. Built once by loadConfig(). */
export interface Config {
  readonly listen: { readonly host: string; readonly port: number };
  /** Base of every link slashbuild posts, without a trailing slash. */
  readonly publicUrl: string;
  /** Absolute path: SQLite database, logs, git mirrors, workspaces. */
  readonly dataDir: string;
  readonly logLevel: string;
  readonly mattermost: MattermostConfig;
  readonly runner: { readonly concurrency: number; readonly logLimitBytes: number };
  readonly delivery: {
    readonly initialBackoffMs: number;
    readonly maxBackoffMs: number;
    readonly timeoutMs: number;
    readonly ratePerSecond: number;
    readonly burst: number;
  };
  readonly web: WebConfig;
  /** Bounds on queued builds, per person and in all. */
  readonly queue: QueueLimits;
  /** Who may read /metrics: loopback only (default), a bearer token, or nobody. */
  readonly metrics: { readonly access: "loopback" | "token" | "off"; readonly token: string | null };
  readonly health: { readonly minFreeDiskBytes: number };
  readonly repos: Readonly<Record<string, RepoConfig>>;
  /** The Buildbot master for repos with `backend: buildbot`; null when none is configured. */
  readonly buildbot: BuildbotConfig | null;
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

export interface MattermostConfig {
  /** Accepted slash-command tokens (a list lets a token be rotated without downtime). */
  readonly tokens: readonly string[];
  /** Incoming webhook for status posts; without it, status posts are printed to the console. */
  readonly webhookUrl: string | null;
  /** Channels (name or id) allowed to run /build; null means every channel. */
  readonly channels: readonly string[] | null;
  /** Users (name or id) who may build any branch of any repo and stop any build. */
  readonly admins: readonly string[];
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
  /** Overrides mattermost.channels for this repo; null inherits it. */
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
}
