/**
 * Run as a child inside `inSmallFilesystem` (test/unit/store/wal-checkpointer.test.ts): a WAL
 * checkpoint that fails because the disk is full, then room again. Prints one JSON line of what it saw.
 * argv[2]: the tmpfs directory.
 */
import { rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { openDatabase } from "../../src/store/open-database.js";
import { startWalCheckpointer } from "../../src/store/wal-checkpointer.js";
import { fillDisk } from "./small-filesystem.js";

const dir = process.argv[2] ?? "";
const file = path.join(dir, "slashbuild.db");
const said: string[] = [];
const logger = {
  warn: (_fields: unknown, message: string) => said.push(`warn: ${message}`),
  info: (message: string) => said.push(`info: ${message}`),
};

async function until(what: string, probe: () => boolean): Promise<void> {
  for (let waited = 0; !probe(); waited += 20) {
    if (waited > 60_000) throw new Error(`timed out waiting for ${what}: ${said.join("; ")}`);
    await sleep(20);
  }
}

const db = openDatabase(file);
db.exec("CREATE TABLE filler (id INTEGER PRIMARY KEY, data BLOB)");
const checkpointer = startWalCheckpointer(db, file, logger as never, { firstRestartMs: 100 });
const autocheckpoint = () => db.pragma("wal_autocheckpoint", { simple: true });

// Room for the WAL of the insert below (~2 MB), not for the database to grow by it as well.
const reserve = path.join(dir, "reserve");
writeFileSync(reserve, Buffer.alloc(3 << 20));
fillDisk(path.join(dir, "filler"));
rmSync(reserve);
const sizeBefore = statSync(file).size;
db.transaction(() => {
  const insert = db.prepare("INSERT INTO filler (data) VALUES (randomblob(2000))");
  for (let i = 0; i < 1000; i++) insert.run();
})();
await until("the checkpoint thread to fail", () => said.some((line) => line.startsWith("warn:")));
const duringFailure = autocheckpoint();

rmSync(path.join(dir, "filler"));
await until("the thread to run again", () => said.some((line) => line.startsWith("info:")));
await until("the WAL to be copied into the database", () => statSync(file).size > sizeBefore + 2_000_000);
const afterRestart = autocheckpoint();
await checkpointer.stop();
db.close();
console.log(JSON.stringify({ said, duringFailure, afterRestart }));
