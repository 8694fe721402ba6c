import type Database from "better-sqlite3";
import type { Db } from "./open-database.js";

type Statement = Database.Statement<unknown[]>;

/**
 * Prepared statements by their SQL, for statements built from a patch's columns (an UPDATE of the
 * fields that changed): preparing one costs more than running it, and a build's every transition
 * runs one. The SQL is made of the stores' own column names, so the set is small and fixed; the
 * cap only guards against a caller that would make it grow.
 */
export function statementCache(db: Db, cap = 256): (sql: string) => Statement {
  const statements = new Map<string, Statement>();
  return (sql) => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = db.prepare<unknown[]>(sql);
      if (statements.size >= cap) statements.clear();
      statements.set(sql, statement);
    }
    return statement;
  };
}
