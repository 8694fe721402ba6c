import { type Db, openDatabase } from "../../src/store/open-database.js";

/**
 * What the query-plan tests share (test/unit/store/query-plans.test.ts and
 * deploy-query-plans.test.ts): a database that records every statement the stores prepare, the
 * plan of a statement, and the rule against statements SQLite recompiles at every call.
 */

/** An in-memory database whose every prepared statement is recorded, its whitespace folded. */
export function recordingDb(): { db: Db; statements: Set<string> } {
  const db = openDatabase(":memory:");
  const statements = new Set<string>();
  const prepare = db.prepare.bind(db);
  db.prepare = ((sql: string) => {
    statements.add(sql.replace(/\s+/g, " ").trim());
    return prepare(sql);
  }) as typeof db.prepare;
  return { db, statements };
}

/** Any value for each parameter: a plan does not depend on the bound values. */
export function explain(db: Db, sql: string): string[] {
  const named = [...new Set([...sql.matchAll(/@(\w+)/g)].map((m) => m[1] as string))];
  const positional = (sql.match(/\?/g) ?? []).length;
  const statement = db.prepare(`EXPLAIN QUERY PLAN ${sql}`);
  const rows = (
    named.length > 0
      ? statement.all(Object.fromEntries(named.map((name) => [name, "1"])))
      : statement.all(...Array.from({ length: positional }, () => "1"))
  ) as { detail: string }[];
  return rows.map((row) => row.detail);
}

/**
 * `table.column: sql` for each SELECT that compares a bound parameter with a column named in a
 * partial index's WHERE. SQLite matches a bound value against that WHERE to see whether the index
 * may serve the query, and so recompiles the statement whenever a value is bound, which
 * better-sqlite3 does at every call. Such a column is compared with literals only (the stores' own
 * words, never input).
 */
export function boundPartialIndexColumns(db: Db, statements: readonly string[]): string[] {
  const indexes = db
    .prepare("SELECT tbl_name AS tbl, sql FROM sqlite_master WHERE type = 'index' AND sql LIKE '% WHERE %'")
    .all() as { tbl: string; sql: string }[];
  const columns = new Map<string, Set<string>>();
  for (const { tbl, sql } of indexes) {
    const condition = sql.slice(sql.search(/ WHERE /) + 7);
    for (const [, column] of condition.matchAll(/\b([a-z_]+)\s*(?:=|IN\b)/g)) {
      if (!columns.has(tbl)) columns.set(tbl, new Set());
      columns.get(tbl)?.add(column as string);
    }
  }
  const found: string[] = [];
  for (const sql of statements) {
    if (!/^SELECT/i.test(sql)) continue;
    for (const [table, names] of columns) {
      if (!new RegExp(`\\bFROM ${table}\\b`).test(sql)) continue;
      for (const column of names) {
        if (new RegExp(`\\b${column}\\s*(=|IN)\\s*\\(?\\s*(\\?|@)`).test(sql))
          found.push(`${table}.${column}: ${sql}`);
      }
    }
  }
  return found;
}
