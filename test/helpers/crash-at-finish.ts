/**
 * A slashbuild core that SIGKILLs itself at one exact moment of a failing build's finish, so tests
 * can crash it between two writes with no timing luck:
 *
 *   node --import tsx crash-at-finish.ts <data_dir> <config.yaml> <moment>
 *
 * moments: `enqueue` (the finish post is about to be stored, the build's final state already
 * written by the same event), `excerpt` (the failing step's log is being read for the excerpt).
 * Real SQLite file, real BuildService, notifier and outbox, wired as app.ts wires them.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { LogFiles } from "../../src/backends/local/log-files.js";
import { webhookFormatter } from "../../src/chat/mattermost/status-formatters.js";
import { parseConfig } from "../../src/config/load-config.js";
import { BuildService } from "../../src/core/build-service.js";
import type { LogTailSource } from "../../src/core/ports.js";
import { repoNotifyFilter } from "../../src/notify/notify-policy.js";
import type { OutboxSink } from "../../src/notify/ports.js";
import { OutboxStatusNotifier } from "../../src/notify/status-notifier.js";
import { openDatabase } from "../../src/store/open-database.js";
import { SqliteBuildStore } from "../../src/store/sqlite-build-store.js";
import { SqliteOutbox } from "../../src/store/sqlite-outbox.js";
import { makeNewBuild } from "../fakes/make-build.js";

const [dataDir, configFile, moment] = process.argv.slice(2) as [string, string, string];

/** Dies here and now: nothing after this line runs, no handler, no flush (as with kill -9). */
function die(): never {
  process.kill(process.pid, "SIGKILL");
  // SIGKILL to oneself is delivered before kill() returns; block in case it were not.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  throw new Error("unreachable");
}

const config = parseConfig(readFileSync(configFile, "utf8"), { baseDir: dataDir, env: {} });
const db = openDatabase(path.join(dataDir, "slashbuild.db"));
const store = new SqliteBuildStore(db);
const sqliteOutbox = new SqliteOutbox(db);
const outbox: OutboxSink = {
  enqueue: (message) => {
    if (moment === "enqueue" && message.kind === "build_finished") die();
    return sqliteOutbox.enqueue(message);
  },
  complete: (id, payload) => sqliteOutbox.complete(id, payload),
  drafts: () => sqliteOutbox.drafts(),
};
const files = new LogFiles(dataDir);
const logs: LogTailSource = {
  readTail: async (build, step, maxBytes) => {
    // A read is asynchronous: it is still under way after the event that asked for it has returned.
    if (moment === "excerpt") await new Promise((resolve) => setImmediate(resolve)).then(die);
    return files.readTail(build, step, maxBytes);
  },
};
const notifier = new OutboxStatusNotifier(outbox, config, {
  formatter: webhookFormatter(config),
  filter: repoNotifyFilter(config),
  logs,
});
const service = new BuildService({
  config,
  store,
  notifier,
  refs: { branchExists: async () => true, assertOnBranch: async () => {} },
  atomically: (work) => db.transaction(work)(),
});

const build = store.create(makeNewBuild({ channelId: "chan-ci", createdAt: Date.now() }));
const sha = "0123456789abcdef0123456789abcdef01234567";
service.applyEvent({ type: "started", buildId: build.id, at: Date.now(), sha, steps: ["make test"] });
service.applyEvent({ type: "step_started", buildId: build.id, at: Date.now(), index: 0 });
mkdirSync(files.dirFor(build.id), { recursive: true });
writeFileSync(files.pathFor(build.id, 0), "compiling\nerror: CRASH-TEST-FAILURE\n");
service.applyEvent({
  type: "step_finished",
  buildId: build.id,
  at: Date.now(),
  index: 0,
  status: "failed",
  exitCode: 2,
});
service.applyEvent({
  type: "finished",
  buildId: build.id,
  at: Date.now(),
  status: "failed",
  failingStep: "make test",
});
// Reached only if the moment never came: the parent treats exit 0 as a broken test.
await notifier.settled();
