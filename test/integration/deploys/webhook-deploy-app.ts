import { chmod } from "node:fs/promises";
import path from "node:path";
import { Writable } from "node:stream";
import pino from "pino";
import { stringify } from "yaml";
import { type App, createApp } from "../../../src/app.js";
import { parseConfig } from "../../../src/config/load-config.js";
import type { ChatChannel, ChatUser } from "../../../src/core/chat-command.js";
import { FakeMattermost } from "../../fakes/fake-mattermost.js";
import { sendSlashCommand } from "../../fakes/send-slash-command.js";
import { GitRepoFixture, makeTempDir, removeDir } from "../../helpers/git-repo.js";
import { freePort } from "../../helpers/service-process.js";

/**
 * The whole service in webhook mode (no bot: approvals by command only), listening on loopback,
 * with a fake Mattermost's incoming webhook, a real git repository and the embedded runner. Deploy
 * commands may write what they saw to `out` (a folder the sandbox lets builds write).
 */

export const TOKEN = "deploy-slash-token-0123456789";
export const CI: ChatChannel = { id: "chan-ci", name: "ci" };

export interface WebhookDeployApp {
  readonly app: App;
  readonly mattermost: FakeMattermost;
  readonly repo: GitRepoFixture;
  readonly url: string;
  /** A folder deploy commands may write to (`$OUT` in their environment). */
  readonly out: string;
  slash(text: string, user: ChatUser, channel?: ChatChannel): Promise<string>;
  /** Every post's text and attachments, as one string each. */
  posts(): string[];
  close(): Promise<void>;
}

export interface DeployAppOptions {
  /** Over `runner:` (its writable_paths already names the out folder). */
  readonly runner?: Record<string, unknown>;
  /** Over `repos.app`. */
  readonly repo?: Record<string, unknown>;
}

export async function startWebhookDeployApp(
  deploy: Record<string, unknown>,
  options: DeployAppOptions = {},
): Promise<WebhookDeployApp> {
  const mattermost = await FakeMattermost.start();
  const repo = await GitRepoFixture.create();
  const dir = await makeTempDir("slashbuild-deploy-");
  const out = await makeTempDir("slashbuild-deploy-out-");
  await chmod(out, 0o777);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = parseConfig(
    stringify({
      listen: `127.0.0.1:${port}`,
      public_url: url,
      data_dir: dir,
      log_level: "silent",
      mattermost: {
        token: TOKEN,
        webhook_url: mattermost.addIncomingWebhook("ci"),
        admins: ["root"],
        channels: ["ci"],
      },
      runner: { writable_paths: [out], ...options.runner },
      delivery: { initial_backoff: "50ms", max_backoff: "1s", rate_per_second: 100, burst: 200 },
      repos: {
        app: {
          url: repo.dir,
          branch: "main",
          commands: ["true"],
          env: { OUT: out },
          deploy,
          ...options.repo,
        },
      },
    }),
    { baseDir: dir, env: {} },
  );
  const quiet = new Writable({ write: (_c, _e, done) => done() });
  const app = await createApp(config, { logger: pino({ level: "silent" }), out: quiet });
  await app.start();
  await app.server.listen({ host: "127.0.0.1", port });
  return {
    app,
    mattermost,
    repo,
    url,
    out,
    async slash(text, user, channel = CI) {
      const outcome = await sendSlashCommand({
        url: `${url}/mattermost/command`,
        token: TOKEN,
        text,
        user,
        channel,
      });
      if (!outcome.ok) throw new Error(`slash command failed: ${outcome.error}`);
      return String(outcome.response.text);
    },
    posts: () =>
      mattermost.posts.map((post) =>
        [post.message, ...post.attachments.map((a) => JSON.stringify(a))].join("\n"),
      ),
    async close() {
      await app.close();
      await mattermost.close();
      for (const path_ of [dir, out, repo.dir]) await removeDir(path_);
    },
  };
}

export function outFile(app: WebhookDeployApp, name: string): string {
  return path.join(app.out, name);
}
