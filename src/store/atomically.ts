import type { Atomically } from "../core/ports.js";
import type { Db } from "./open-database.js";

/**
 * `atomically` over one database: `work` runs in a transaction, committed when it returns and
 * rolled back when it throws; called inside another, it runs in a savepoint of that one.
 *
 * One transaction function serves every call: better-sqlite3 builds a new one (five wrappers) at
 * each db.transaction(), about 20 µs, and a deploy request runs three or four. The wrapper decides
 * between BEGIN and a savepoint at each call, so nesting still works.
 */
export function atomicallyIn(db: Db): Atomically {
  const inTransaction = db.transaction((work: () => unknown) => work());
  return <T>(work: () => T): T => inTransaction(work) as T;
}
