import type { Writable } from "node:stream";
import { ACTION_PATH } from "../chat/mattermost/action-route.js";
import { deriveActionSecret } from "../chat/mattermost/action-signature.js";
import { createBotTransport } from "../chat/mattermost/bot-transport.js";
import type { ActionOptions } from "../chat/mattermost/build-actions.js";
import { formatFullLog } from "../chat/mattermost/format-build-post.js";
import { createMattermostApi, type MattermostApi } from "../chat/mattermost/mattermost-api.js";
import { createWebhookTransport } from "../chat/mattermost/webhook-transport.js";
import type { Config } from "../config/config.js";
import type { BuildStore, Clock, LogSource } from "../core/ports.js";
import type { Db } from "../store/open-database.js";
import { SqliteChatPosts } from "../store/sqlite-chat-posts.js";
import type { SqliteOutbox } from "../store/sqlite-outbox.js";
import type { ChatTransport } from "./chat-transport.js";
import { createConsoleTransport } from "./console-transport.js";
import { previousVerdict } from "./notify-policy.js";
import { type DeliveryLogger, OutboxDeliverer } from "./outbox-deliverer.js";
import { OutboxStatusNotifier } from "./status-notifier.js";
import { TokenBucket } from "./token-bucket.js";

/**
 * Chooses the chat mode from the config and builds its parts, so app.ts only wires:
 * bot mode (mattermost.url + bot_token: REST API, one post per build), webhook mode
 * (webhook_url), or the console (neither: posts printed for the quick start).
 */

export type ChatMode = "bot" | "webhook" | "console";

export interface ChatDeps {
  readonly db: Db;
  readonly outbox: SqliteOutbox;
  readonly store: BuildStore;
  readonly logs?: LogSource;
  readonly logger: DeliveryLogger;
  readonly clock: Clock;
  readonly fetch?: typeof fetch;
  readonly out: Writable;
  /** Every secret slashbuild knows, masked in every post (app.ts: core/known-secrets.ts + the button key). */
  readonly secrets?: readonly string[];
}

export interface Chat {
  readonly mode: ChatMode;
  readonly notifier: OutboxStatusNotifier;
  readonly deliverer: OutboxDeliverer;
  /** HMAC key for buttons (the action route verifies with it). */
  readonly actionSecret: string;
  /** Text of the "Full log" answer for a build id. */
  fullLog(buildId: number): string;
  /** Bot mode: asks Mattermost who the token belongs to, so a bad token shows at startup. */
  checkBot(): Promise<string | null>;
}

export function chatMode(config: Config): ChatMode {
  if (config.mattermost.url && config.mattermost.botToken) return "bot";
  return config.mattermost.webhookUrl ? "webhook" : "console";
}

export function createChat(config: Config, deps: ChatDeps): Chat {
  const mode = chatMode(config);
  const actionSecret = deriveActionSecret(config.mattermost.actionSecret, config.mattermost.tokens);
  // Nobody can click a button printed on the console.
  const actions: ActionOptions | null =
    mode === "console" ? null : { url: `${config.publicUrl}${ACTION_PATH}`, secret: actionSecret };
  const fetchOption = deps.fetch ? { fetch: deps.fetch } : {};

  let api: MattermostApi | null = null;
  let transport: ChatTransport;
  if (mode === "bot") {
    api = createMattermostApi({
      url: config.mattermost.url as string,
      token: config.mattermost.botToken as string,
      timeoutMs: config.delivery.timeoutMs,
      clock: deps.clock,
      ...fetchOption,
    });
    transport = createBotTransport({
      api,
      posts: new SqliteChatPosts(deps.db, deps.clock),
      team: config.mattermost.team,
    });
  } else if (mode === "webhook") {
    transport = createWebhookTransport({
      webhookUrl: config.mattermost.webhookUrl as string,
      timeoutMs: config.delivery.timeoutMs,
      clock: deps.clock,
      ...fetchOption,
    });
  } else {
    transport = createConsoleTransport(deps.out);
  }

  const notifier = new OutboxStatusNotifier(deps.outbox, config, {
    mode: mode === "bot" ? "bot" : "webhook",
    actions,
    ...(deps.logs ? { logs: deps.logs } : {}),
    previous: (build) => previousVerdict(deps.store, build),
    ...(deps.secrets ? { secrets: deps.secrets } : {}),
    onError: (error, build) =>
      deps.logger.warn({ err: error, buildId: build.id }, "could not read the log for a failure excerpt"),
  });
  const deliverer = new OutboxDeliverer({
    outbox: deps.outbox,
    transport,
    initialBackoffMs: config.delivery.initialBackoffMs,
    maxBackoffMs: config.delivery.maxBackoffMs,
    clock: deps.clock,
    logger: deps.logger,
    // The console has no rate limit to respect.
    ...(mode === "console"
      ? {}
      : {
          rateLimit: new TokenBucket({
            ratePerSecond: config.delivery.ratePerSecond,
            burst: config.delivery.burst,
            clock: deps.clock,
          }),
        }),
  });

  return {
    mode,
    notifier,
    deliverer,
    actionSecret,
    fullLog(buildId) {
      const build = deps.store.get(buildId);
      if (!build) return `There is no build #${buildId} any more.`;
      const repo = config.repos[build.repo];
      return formatFullLog(build, {
        publicUrl: config.publicUrl,
        secrets: deps.secrets ?? (repo ? Object.values(repo.secrets) : []),
      });
    },
    async checkBot() {
      if (!api) return null;
      const me = await api.me();
      if (me.ok) return null;
      return me.status === 401
        ? "mattermost.bot_token was refused (401): create a bot account's access token and put it there"
        : `could not ask Mattermost who the bot is: ${me.outcome.error}`;
    },
  };
}
