import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { type App, createApp } from "../../../src/app.js";
import { parseConfig } from "../../../src/config/load-config.js";
import { isFinal } from "../../../src/core/build.js";
import { assetPath } from "../../../src/web/assets/assets.js";
import { hashPassword } from "../../../src/web/auth/password-hash.js";
import { createFuzzer } from "../../helpers/fuzz-requests.js";
import { GitRepoFixture, makeTempDir, removeDir } from "../../helpers/git-repo.js";

/**
 * Issue 8: a bounded, seeded fuzz of every route of the whole app (createApp, real SQLite, real
 * git repo, embedded runner). No answer may be a 5xx, nothing may be logged at error level, and
 * the service must still answer afterwards. FUZZ_REQUESTS sets the count: 5000 in `npm test`,
 * 100000 in `npm run fuzz`, which .ci/run runs after npm test; FUZZ_SEED the seed, so a failure names the seed and index that reproduce it.
 */

const COUNT = Number(process.env.FUZZ_REQUESTS ?? 5_000);
const SEED = Number(process.env.FUZZ_SEED ?? 8);
const TOKEN = "fuzz-slash-token-0123456789";
const STATUS_SECRET = "fuzz-status-secret-0123456789";

const ROUTES = [
  "/",
  "/healthz",
  "/login",
  "/logout",
  "/builds/:id",
  "/api/builds/:id",
  "/builds/:id/stop",
  "/builds/:id/rebuild",
  "/builds/:id/steps/:step/raw",
  "/builds/:id/steps/:step/lines",
  "/builds/:id/first-error",
  "/mattermost/command",
  "/change_hook/mattermost",
  "/mattermost/action",
  "/buildbot/status",
  "/builds/:id/events",
  assetPath("style.css"),
  assetPath("build-page.js"),
];

/** A live log stream of an unfinished build never ends by itself: only finished or unknown builds' streams are fuzzed. */
function endlessStream(url: string): boolean {
  const id = /^\/builds\/(\d{1,12})\/events(?:\?|$)/.exec(url)?.[1];
  if (id === undefined) return false;
  const build = app.service.findBuild(Number(id));
  return build !== null && build !== undefined && !isFinal(build.status);
}

let app: App;
let dir: string;
let repo: GitRepoFixture;
const errors: string[] = [];

beforeAll(async () => {
  dir = await makeTempDir("slashbuild-fuzz-");
  repo = await GitRepoFixture.create();
  const document = {
    public_url: "http://ci.example.com:8080",
    data_dir: "./data",
    log_level: "warn",
    mattermost: { token: TOKEN },
    web: { users: { alice: await hashPassword("pw") }, session_secret: "s".repeat(40) },
    buildbot: {
      url: "http://127.0.0.1:1",
      username: "slashbuild",
      password: "fuzz-buildbot-password",
      status_secret: STATUS_SECRET,
    },
    repos: { app: { url: repo.dir, branch: "main", commands: ["true"] } },
  };
  const config = parseConfig(stringify(document), { baseDir: dir, env: {} });
  const logStream = new Writable({
    write(chunk, _encoding, done) {
      const line = chunk.toString();
      if (/"level":(50|60)/.test(line)) errors.push(line);
      done();
    },
  });
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  app = await createApp(config, { out: sink, logger: pino({ level: "warn" }, logStream) });
  await app.start();
  await app.server.ready();
});

afterAll(async () => {
  await app?.close();
  await removeDir(dir);
  await removeDir(repo.dir);
});

describe("route fuzz", () => {
  it("lists only routes the app serves", () => {
    for (const route of ROUTES) {
      const url = route.replace(/:[a-z]+/g, "1");
      const served = ["GET", "POST"].some(
        (method) =>
          app.server.hasRoute({ method: method as "GET", url: route }) ||
          app.server.hasRoute({ method: method as "GET", url }),
      );
      expect(served, route).toBe(true);
    }
  });

  it(`answers ${COUNT} seeded hostile requests (seed ${SEED}) with no 5xx, no error log and no crash`, async () => {
    const next = createFuzzer(SEED, { routes: ROUTES, known: [TOKEN, STATUS_SECRET, "alice", "app", "1"] });
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    for (let index = 0; index < COUNT; index++) {
      const request = next();
      if (request.method === "GET" && endlessStream(request.url)) request.method = "HEAD";
      const response = await app.server.inject(request);
      statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
      if (response.statusCode >= 500 && failures.length < 5) {
        failures.push(
          `#${index} ${request.method} ${request.url} ${JSON.stringify(request.headers)} ${String(request.payload ?? "").slice(0, 200)} → ${response.statusCode} ${response.body.slice(0, 200)}`,
        );
      }
    }
    expect(failures).toEqual([]);
    expect(errors).toEqual([]);
    // Many kinds of answers, so the fuzz reached past the first refusal of each route.
    expect([...statuses.keys()].filter((status) => status < 300).length).toBeGreaterThan(0);
    expect((await app.server.inject({ method: "GET", url: "/healthz" })).statusCode).toBe(200);
  }, 600_000);
});
