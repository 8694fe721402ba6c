import { stringify } from "yaml";
import { type App, type AppDeps, createApp } from "../../../src/app.js";
import { parseConfig } from "../../../src/config/load-config.js";
import { FakeForge, type ForgeKind, type SendOptions, sendWebhook } from "../../fakes/fake-forge.js";
import { FakeMattermost } from "../../fakes/fake-mattermost.js";
import { GitRepoFixture, makeTempDir, removeDir } from "../../helpers/git-repo.js";
import { githubExamples } from "../../helpers/github-examples.js";
import { freePort } from "../../helpers/service-process.js";

/**
 * The whole service in-process, listening on loopback, with a real git repository (the "forge's"
 * repo, fetched by path), a fake Mattermost (webhook mode) and a fake Git host that sends signed
 * webhooks and takes commit statuses.
 */

export const SECRET = "forge-webhook-secret-0123456789";
export const TOKEN = "forge-api-token-abcdef0123456789";
export const FULL_NAME = "acme/app";

export interface ForgeApp {
  readonly app: App;
  readonly forge: FakeForge;
  readonly mattermost: FakeMattermost;
  readonly repo: GitRepoFixture;
  readonly url: string;
  readonly dir: string;
  /** Stops the service only (peers and data stay), as a process exit would. */
  stopService(): Promise<void>;
  hook(
    kind: ForgeKind,
    event: string,
    payload: unknown,
    secret?: string | null,
    options?: SendOptions,
  ): ReturnType<typeof sendWebhook>;
  close(): Promise<void>;
}

/** Peers and data of an earlier app, to model a restart: the new app reuses them and closes them. */
export interface Reuse {
  readonly forge: FakeForge;
  readonly mattermost: FakeMattermost;
  readonly repo: GitRepoFixture;
  readonly dir: string;
}

export async function startForgeApp(
  repoOverrides: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
  reuse?: Reuse,
  deps: AppDeps = {},
): Promise<ForgeApp> {
  const forge = reuse?.forge ?? (await FakeForge.start());
  const mattermost = reuse?.mattermost ?? (await FakeMattermost.start());
  const repo = reuse?.repo ?? (await GitRepoFixture.create());
  const dir = reuse?.dir ?? (await makeTempDir("slashbuild-forge-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = parseConfig(
    stringify({
      listen: `127.0.0.1:${port}`,
      public_url: url,
      data_dir: dir,
      log_level: "silent",
      mattermost: { token: "slash-token-0123456789", webhook_url: mattermost.addIncomingWebhook("ci") },
      delivery: { initial_backoff: "50ms", max_backoff: "500ms" },
      forges: {
        github: {
          api_url: forge.apiUrl("github"),
          token: TOKEN,
          webhook_secret: SECRET,
          status_context: "ci/slashbuild",
          mattermost_users: { "carol@example.com": "carol.mm" },
        },
      },
      repos: {
        app: {
          url: repo.dir,
          full_name: FULL_NAME,
          branch: "main",
          commands: ["true"],
          on: { push: ["main", "release/*"], pull_request: true },
          ...repoOverrides,
        },
      },
      ...extra,
    }),
    { baseDir: dir, env: {} },
  );
  const app = await createApp(config, deps);
  await app.start();
  await app.server.listen({ host: "127.0.0.1", port });
  return {
    app,
    forge,
    mattermost,
    repo,
    url,
    dir,
    hook: (kind, event, payload, secret = SECRET, options = {}) =>
      sendWebhook(`${url}/hooks/${kind}`, kind, event, payload, secret, options),
    stopService: () => app.close(),
    async close() {
      await app.close().catch(() => {});
      await forge.close();
      await mattermost.close();
      await repo.remove();
      await removeDir(dir);
    },
  };
}

/** GitHub's own push example, retargeted at `acme/app`, `branch` and `sha`, with `message` as head commit. */
export function githubPush(
  branch: string,
  sha: string,
  options: { message?: string; authorEmail?: string; pusher?: string } = {},
): Record<string, unknown> {
  const example = structuredClone(
    githubExamples("push").find((e) => e.ref === "refs/heads/master"),
  ) as Record<string, unknown> & { commits: Record<string, unknown>[]; repository: Record<string, unknown> };
  const commit = {
    ...(example.commits[0] ?? {}),
    id: sha,
    message: options.message ?? "Make it faster\n\nLonger explanation.",
    author: { name: "Carol", email: options.authorEmail ?? "carol@example.com", username: "carol" },
  };
  return {
    ...example,
    ref: `refs/heads/${branch}`,
    after: sha,
    created: false,
    deleted: false,
    compare: `https://github.com/${FULL_NAME}/compare/aaaaaaa...${sha.slice(0, 7)}`,
    commits: [commit],
    head_commit: commit,
    pusher: { name: options.pusher ?? "carol-gh", email: "carol@example.com" },
    sender: { ...(example.sender as object), login: options.pusher ?? "carol-gh" },
    repository: {
      ...example.repository,
      full_name: FULL_NAME,
      clone_url: `https://github.com/${FULL_NAME}.git`,
      ssh_url: `git@github.com:${FULL_NAME}.git`,
      html_url: `https://github.com/${FULL_NAME}`,
    },
  };
}

/** GitHub's "opened" example, for PR `number` with head `sha`, from a fork or not. */
export function githubPull(number: number, sha: string, fork: boolean): Record<string, unknown> {
  const example = structuredClone(githubExamples("pull_request").find((e) => e.action === "opened")) as {
    number: number;
    pull_request: Record<string, unknown> & { head: Record<string, unknown>; base: Record<string, unknown> };
    repository: Record<string, unknown>;
  };
  const base = { ...(example.pull_request.base.repo as object), full_name: FULL_NAME };
  example.number = number;
  example.pull_request = {
    ...example.pull_request,
    number,
    title: "Add caching",
    html_url: `https://github.com/${FULL_NAME}/pull/${number}`,
    head: { ...example.pull_request.head, sha, repo: fork ? { ...base, full_name: "mallory/app" } : base },
    base: { ...example.pull_request.base, repo: base },
  };
  example.repository = {
    ...example.repository,
    full_name: FULL_NAME,
    clone_url: `https://github.com/${FULL_NAME}.git`,
  };
  return example;
}
