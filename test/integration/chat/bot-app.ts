import { Writable } from "node:stream";
import pino from "pino";
import { stringify } from "yaml";
import { type App, type AppDeps, createApp } from "../../../src/app.js";
import { parseConfig } from "../../../src/config/load-config.js";
import { FakeMattermost } from "../../fakes/fake-mattermost.js";
import { FakeRestApi } from "../../fakes/fake-mattermost-rest.js";
import { sendSlashCommand } from "../../fakes/send-slash-command.js";
import { GitRepoFixture, makeTempDir, removeDir } from "../../helpers/git-repo.js";
import { freePort } from "../../helpers/service-process.js";

/**
 * The whole service in bot mode, listening on loopback (Mattermost must reach its action URL),
 * against a fake Mattermost with the REST API and a real git repository. The slash command's
 * channel (town-square, id below) exists in the fake and the bot is a member.
 */

export const SLASH_TOKEN = "cuzrenun5z3jqip98q1zxoi65f";
export const BOT_TOKEN = "bottoken9x8w7v6u5t4s3r2q1p";
export const TOWN_SQUARE = "1vrjnvgfygwwqc38hyf9sxmeco";
export const alice = { id: "sfogyr3xkxwnrek8pk3yr9oudo", name: "alice" };
export const bob = { id: "bobbobbobbobbobbobbobbobbo", name: "bob" };

export interface BotApp {
  readonly app: App;
  readonly mattermost: FakeMattermost;
  readonly rest: FakeRestApi;
  readonly repo: GitRepoFixture;
  readonly url: string;
  slash(text: string, user?: { id: string; name: string }): Promise<string>;
  close(): Promise<void>;
}

export async function startBotApp(
  repoOverrides: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
  deps: AppDeps = {},
): Promise<BotApp> {
  const mattermost = await FakeMattermost.start();
  const rest = new FakeRestApi(mattermost, { token: BOT_TOKEN, team: "acme" });
  rest.addChannel("town-square", { id: TOWN_SQUARE });
  const repo = await GitRepoFixture.create();
  const dir = await makeTempDir("slashbuild-bot-");
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = parseConfig(
    stringify({
      listen: `127.0.0.1:${port}`,
      public_url: url,
      data_dir: dir,
      log_level: "silent",
      mattermost: {
        token: SLASH_TOKEN,
        url: mattermost.url,
        bot_token: BOT_TOKEN,
        team: "acme",
        admins: ["root"],
      },
      delivery: { initial_backoff: "50ms", max_backoff: "1s" },
      repos: { app: { url: repo.dir, branch: "main", commands: ["true"], ...repoOverrides } },
      ...extra,
    }),
    { baseDir: dir, env: {} },
  );
  const quiet = new Writable({ write: (_c, _e, done) => done() });
  const app = await createApp(config, { logger: pino({ level: "silent" }), out: quiet, ...deps });
  await app.start();
  await app.server.listen({ host: "127.0.0.1", port });
  return {
    app,
    mattermost,
    rest,
    repo,
    url,
    async slash(text, user = alice) {
      const outcome = await sendSlashCommand({
        url: `${url}/mattermost/command`,
        token: SLASH_TOKEN,
        text,
        user,
        channel: { id: TOWN_SQUARE, name: "town-square" },
      });
      if (!outcome.ok) throw new Error(`slash command failed: ${outcome.error}`);
      return String(outcome.response.text);
    },
    async close() {
      await app.close();
      await mattermost.close();
      await removeDir(dir);
      await removeDir(repo.dir);
    },
  };
}
