import { spawn } from "node:child_process";
import { once } from "node:events";
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { type App, createApp } from "../../../src/app.js";
import { parseConfig } from "../../../src/config/load-config.js";
import { openDatabase } from "../../../src/store/open-database.js";
import { SqliteBuildStore } from "../../../src/store/sqlite-build-store.js";
import { FakeMattermost } from "../../fakes/fake-mattermost.js";
import { makeTempDir } from "../../helpers/git-repo.js";
import { waitFor } from "../../helpers/service-process.js";

/**
 * Issue 9 item 6: slashbuild SIGKILLed between storing a build's final state and storing its
 * finish post. A child process runs the real core on a real SQLite file and kills itself with
 * SIGKILL at the exact moment (test/helpers/crash-at-finish.ts); then the real app starts on the
 * same data_dir against a fake Mattermost, and the finish must reach the channel.
 */

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), "../../helpers/crash-at-finish.ts");

let dir: string;
let mattermost: FakeMattermost;
let app: App | null = null;

beforeEach(async () => {
  dir = await makeTempDir("slashbuild-crash-");
  mattermost = await FakeMattermost.start();
});

afterEach(async () => {
  await app?.close();
  app = null;
  await mattermost.close();
  // The app's background mirror clone may still be writing in data_dir: retry on ENOTEMPTY.
  await rm(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
});

async function configFile(): Promise<string> {
  const file = path.join(dir, "slashbuild.yaml");
  await writeFile(
    file,
    stringify({
      public_url: "http://127.0.0.1:1",
      data_dir: dir,
      log_level: "silent",
      mattermost: { token: "crash-test-slash-token-26c", webhook_url: mattermost.addIncomingWebhook("ci") },
      delivery: { initial_backoff: "50ms", max_backoff: "1s" },
      repos: { app: { url: path.join(dir, "none.git"), commands: ["make test"] } },
    }),
  );
  return file;
}

/** Runs the core until `moment`, where it SIGKILLs itself; returns the signal it died of. */
async function crashAt(moment: "enqueue" | "excerpt", file: string): Promise<NodeJS.Signals | null> {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, dir, file, moment], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  const [code, signal] = (await once(child, "exit")) as [number | null, NodeJS.Signals | null];
  if (code !== null) throw new Error(`the crash helper exited ${code} instead of being killed`);
  return signal;
}

async function restart(file: string): Promise<App> {
  const { readFile } = await import("node:fs/promises");
  const config = parseConfig(await readFile(file, "utf8"), { baseDir: dir, env: {} });
  const quiet = new Writable({ write: (_c, _e, done) => done() });
  const started = await createApp(config, { logger: pino({ level: "silent" }), out: quiet });
  await started.start();
  return started;
}

function storedStatus(): string | undefined {
  const db = openDatabase(path.join(dir, "slashbuild.db"));
  try {
    return new SqliteBuildStore(db).get(1)?.status;
  } finally {
    db.close();
  }
}

describe("a SIGKILL between a build's final state and its finish post", () => {
  it("while the finish post is being stored: the state change was not kept either, and the restart announces the build", async () => {
    const file = await configFile();
    expect(await crashAt("enqueue", file)).toBe("SIGKILL");
    // One transaction: the build's failure was rolled back with the post it would have caused.
    expect(storedStatus()).toBe("running");

    app = await restart(file);
    const posts = await waitFor("the finish post", () => {
      const all = mattermost.postsIn("ci");
      return all.some((p) => /interrupted/.test(JSON.stringify(p))) && all;
    });
    expect(posts.filter((p) => /interrupted/.test(JSON.stringify(p)))).toHaveLength(1);
  });

  it("while the log is read for the failure excerpt: the finish was stored as a draft, and the restart sends it with the excerpt", async () => {
    const file = await configFile();
    expect(await crashAt("excerpt", file)).toBe("SIGKILL");
    expect(storedStatus()).toBe("failed");

    app = await restart(file);
    const posts = await waitFor("the finish post", () => {
      const all = mattermost.postsIn("ci");
      return all.some((p) => /CRASH-TEST-FAILURE/.test(JSON.stringify(p))) && all;
    });
    const finish = posts.filter((p) => /failed/.test(JSON.stringify(p)));
    expect(finish).toHaveLength(1);
    expect(JSON.stringify(finish[0])).toContain("error: CRASH-TEST-FAILURE");
  });
});
