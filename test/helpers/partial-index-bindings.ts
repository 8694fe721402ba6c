import type { Db } from "../../src/store/open-database.js";

/**
 * A rule for the query-plan tests: SQLite matches a bound value against a partial index's WHERE to
 * see whether that index may serve a query, and so recompiles the statement whenever a value is
 * bound, which better-sqlite3 does at every call. A column a partial index's condition names is
 * compared with literals only (the stores' own words, never input).
 */
/** `table.column: sql` for each SELECT that compares a bound parameter with a column named in a partial index's WHERE. */
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
