import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import pino from "pino";
import { stringify } from "yaml";
import { type App, createApp } from "../src/app.js";
import type { Config, RepoConfig } from "../src/config/config.js";
import { parseConfig } from "../src/config/load-config.js";
import type { Build } from "../src/core/build.js";
import type { BuildBackend } from "../src/core/ports.js";

/** slashbuild as `serve` runs it (createApp, SQLite on disk), for benchmarks on loopback. */

export const TOKEN = "bench-token";

export interface BenchApp {
  readonly app: App;
  readonly config: Config;
  readonly dataDir: string;
  close(): Promise<void>;
}

export async function startSlashbuild(document: Record<string, unknown>): Promise<BenchApp> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "slashbuild-bench-"));
  const config = parseConfig(
    stringify({ log_level: "error", data_dir: dataDir, mattermost: { token: TOKEN }, ...document }),
    { baseDir: dataDir, env: {} },
  );
  const app = await createApp(config, { out: discard(), logger: pino({ level: "silent" }) });
  return {
    app,
    config,
    dataDir,
    async close() {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The form Mattermost posts for `/build TEXT` (see ../shared/mattermost/CONTRACT.md). */
export function slashForm(text: string, n = 0): string {
  return new URLSearchParams({
    token: TOKEN,
    team_id: "team1",
    team_domain: "bench",
    channel_id: "chan-ci",
    channel_name: "ci",
    user_id: `user-${n % 50}`,
    user_name: "alice",
    command: "/build",
    text,
    response_url: "http://127.0.0.1:9/hooks/commands/x",
    trigger_id: `trigger-${n}`,
  }).toString();
}

/**
 * Takes builds and does nothing with them: the acknowledgement benchmark measures answering and
 * persisting a /build, not running thousands of builds on a 2-core machine meanwhile.
 */
export class AcceptOnlyBackend implements BuildBackend {
  readonly name = "local" as const;
  async start(_build: Build, _repo: RepoConfig): Promise<void> {}
  async stop(): Promise<void> {}
  async recover(): Promise<void> {}
  async close(): Promise<void> {}
}

/** A Mattermost incoming webhook on loopback that records each post's arrival time. */
export interface WebhookSink {
  readonly url: string;
  /** Resolves when a post whose body matches `pattern` arrives (or has arrived). */
  waitFor(pattern: RegExp): Promise<{ at: number; body: string }>;
  close(): Promise<void>;
}

export async function startWebhookSink(): Promise<WebhookSink> {
  type Post = { at: number; body: string };
  const posts: Post[] = [];
  const waiters = new Set<{ pattern: RegExp; resolve: (post: Post) => void }>();
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      const post = { at: performance.now(), body };
      posts.push(post);
      for (const waiter of waiters) {
        if (waiter.pattern.test(body)) {
          waiters.delete(waiter);
          waiter.resolve(post);
        }
      }
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/hooks/bench`,
    waitFor(pattern) {
      const seen = posts.find((p) => pattern.test(p.body));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.add({ pattern, resolve }));
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function discard(): Writable {
  return new Writable({
    write(_chunk, _encoding, callback) {
      callback();
    },
  });
}
