import { chmod, rm } from "node:fs/promises";
import { Writable } from "node:stream";
import pino from "pino";
import { stringify } from "yaml";
import { type App, createApp } from "../../src/app.js";
import { parseConfig } from "../../src/config/load-config.js";
import type { Build } from "../../src/core/build.js";
import { hashPassword } from "../../src/web/auth/password-hash.js";
import { GitRepoFixture, makeTempDir } from "./git-repo.js";
import { waitFor } from "./service-process.js";

export interface WebAppOptions {
  /** The repo's commands; `$GATE` is a directory where tests create files to let a step go on. */
  readonly commands?: readonly string[];
  /** Web users and their plain passwords (hashed here, as `slashbuild hash-password` does). */
  readonly users?: Readonly<Record<string, string>>;
  /** Extra top-level config keys, in the file's snake_case. */
  readonly extra?: Record<string, unknown>;
  readonly repoExtra?: Record<string, unknown>;
  /** web.read; "public" here (most web tests are about pages, not who may read them). */
  readonly read?: "public" | "signed_in";
  /** Extra keys of the `web:` section (merged with the users above). */
  readonly webExtra?: Record<string, unknown>;
  /** Listen on this port (and make public_url point at it) instead of a random one: for OAuth redirects. */
  readonly port?: number;
  /**
   * false: build the app but do not listen (`url` is then public_url), for a test that serves the web
   * routes on `port` from a server of its own. Default true.
   */
  readonly listen?: boolean;
}

/**
 * The whole service built in-process with createApp on a real git repository and a temp data dir,
 * listening on a loopback port: what the web tests (inject and browser alike) run against.
 */
export class WebApp {
  private constructor(
    readonly app: App,
    readonly url: string,
    readonly dir: string,
    readonly gate: string,
    readonly repo: GitRepoFixture,
  ) {}

  static async start(options: WebAppOptions = {}): Promise<WebApp> {
    const dir = await makeTempDir("slashbuild-web-");
    // Builds run sandboxed as an unprivileged uid with a /tmp of their own: the gate is a folder of
    // its own directly under the host's tmpdir (the sandbox rebuilds a granted path's parents, and
    // a nested one would sit under a 0700 temp folder), searchable by that uid and granted
    // read-only (runner below).
    const gate = await makeTempDir("slashbuild-gate-");
    await chmod(gate, 0o755);
    const repo = await GitRepoFixture.create();
    const users: Record<string, string> = {};
    for (const [name, password] of Object.entries(options.users ?? {}))
      users[name] = await hashPassword(password);
    const document = {
      public_url: options.port ? `http://127.0.0.1:${options.port}` : "http://ci.example.com:8080",
      data_dir: "./data",
      log_level: "silent",
      mattermost: { token: "web-test-token" },
      web: {
        read: options.read ?? "public",
        ...(Object.keys(users).length > 0 ? { users, session_secret: "s".repeat(40) } : {}),
        ...options.webExtra,
      },
      repos: {
        app: {
          url: repo.dir,
          branch: "main",
          commands: options.commands ?? ["echo hello"],
          env: { GATE: gate },
          ...options.repoExtra,
        },
      },
      ...options.extra,
      runner: {
        ...((options.extra?.runner as Record<string, unknown> | undefined) ?? {}),
        read_only_paths: [gate],
      },
    };
    const config = parseConfig(stringify(document), { baseDir: dir, env: {} });
    const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
    const app = await createApp(config, { out: sink, logger: pino({ level: "silent" }) });
    await app.start();
    const address =
      options.listen === false
        ? config.publicUrl
        : await app.server.listen({ port: options.port ?? 0, host: "127.0.0.1" });
    return new WebApp(app, address, dir, gate, repo);
  }

  /** Requests a new build of `app` as chat would (user alice in ~ci), even if one is queued already. */
  async requestBuild(branch: string | null = null): Promise<Build> {
    const { build } = await this.app.service.requestBuild({
      again: true,
      repo: "app",
      branch,
      revision: null,
      user: { id: "uid-alice", name: "alice" },
      channel: { id: "chan-ci", name: "ci" },
    });
    return build;
  }

  build(id: number): Build {
    return this.app.service.getBuild(id);
  }

  waitForStatus(id: number, predicate: (build: Build) => boolean, what = "the build"): Promise<Build> {
    return waitFor(what, () => {
      const build = this.build(id);
      return predicate(build) ? build : undefined;
    });
  }

  logPath(id: number, step: number): string {
    return this.app.local.logs.pathFor(id, step);
  }

  async close(): Promise<void> {
    await this.app.close();
    await this.repo.remove();
    // A mirror clone started by app.start() may still be finishing its temp dir: retry briefly.
    await rm(this.dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
    await rm(this.gate, { recursive: true, force: true });
  }
}
