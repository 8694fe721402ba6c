import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { MOVED_KEYS } from "../../../src/config/moved-keys.js";
import { configSchema } from "../../../src/config/schema.js";

/**
 * docs/configuration.md and the schema name the same keys. Each `## section` of the docs whose
 * heading is a schema path (`mattermost`, `repos.<name>`, `buildbot`; "Top level" for the root)
 * has a table whose first column names that section's keys. Keys nested below a row (a list of
 * objects, a map of objects) must at least be named in that row's text.
 */

interface Def {
  readonly type: string;
  readonly shape?: Record<string, Schema>;
  readonly innerType?: Schema;
  readonly in?: Schema;
  readonly valueType?: Schema;
  readonly element?: Schema;
  readonly options?: readonly Schema[];
}
interface Schema {
  readonly _zod: { readonly def: Def };
}

/** Every object key reachable in the schema, as a path: `mattermost.token`, `repos.*.url`, `buildbot.workers[].name`. */
function schemaKeys(schema: Schema, path = "", out: string[] = []): string[] {
  const def = schema._zod.def;
  switch (def.type) {
    case "object":
      for (const [key, value] of Object.entries(def.shape ?? {})) {
        const child = path ? `${path}.${key}` : key;
        out.push(child);
        schemaKeys(value, child, out);
      }
      break;
    case "optional":
    case "default":
    case "prefault":
    case "nullable":
    case "readonly":
    case "catch":
      if (def.innerType) schemaKeys(def.innerType, path, out);
      break;
    case "pipe":
      if (def.in) schemaKeys(def.in, path, out);
      break;
    case "record":
      if (def.valueType) schemaKeys(def.valueType, `${path}.*`, out);
      break;
    case "array":
      if (def.element) schemaKeys(def.element, `${path}[]`, out);
      break;
    case "union":
      for (const option of def.options ?? []) schemaKeys(option, path, out);
      break;
  }
  return [...new Set(out)];
}

interface DocRow {
  readonly path: string;
  readonly text: string;
}

/** The table rows of the docs' key sections, each key as a full path. */
function documentedKeys(markdown: string, sections: ReadonlySet<string>): DocRow[] {
  const rows: DocRow[] = [];
  let section: string | null = null;
  for (const line of markdown.split("\n")) {
    const heading = /^##\s+(.+)$/.exec(line);
    if (heading) {
      const name = (heading[1] as string)
        .replaceAll("`", "")
        .trim()
        .replace(/<[^>]+>/g, "*");
      section = name === "Top level" ? "" : sections.has(name) ? name : null;
      continue;
    }
    if (section === null || !line.startsWith("|") || /^\|\s*-/.test(line) || /^\|\s*key\s*\|/.test(line))
      continue;
    const first = line.split("|")[1] ?? "";
    for (const match of first.matchAll(/`([^`]+)`/g)) {
      const key = match[1] as string;
      rows.push({ path: section ? `${section}.${key}` : key, text: line });
    }
  }
  return rows;
}

const docs = readFileSync(new URL("../../../docs/configuration.md", import.meta.url), "utf8");
const keys = schemaKeys(configSchema as unknown as Schema);
const sections = new Set(keys.map((k) => k.replace(/\[\]/g, "")).flatMap((k) => [k, `${k}.*`]));
const rows = documentedKeys(docs, sections);
const documented = new Map(rows.map((row) => [row.path, row.text]));

/** The path of the row a key belongs to: its own, or its nearest documented ancestor's. */
function rowOf(key: string): string | undefined {
  for (let path = key; path.length > 0; path = path.replace(/(\[\]|\.[^.[\]]*)$/, "")) {
    if (documented.has(path)) return path;
    if (!/(\[\]|\.[^.[\]]*)$/.test(path)) break;
  }
  return undefined;
}

describe("docs/configuration.md and the config schema", () => {
  it("documents every key of the schema", () => {
    const missing = keys.filter((key) => {
      const row = rowOf(key);
      if (row === key) return false;
      const leaf = key.split(".").at(-1) as string;
      // A key below a documented row is named in that row's text.
      return row === undefined || !new RegExp(`\\b${leaf}\\b`).test(documented.get(row) ?? "");
    });
    expect(missing).toEqual([]);
  });

  it("names no key the schema lacks", () => {
    const known = new Set(keys);
    expect(rows.map((row) => row.path).filter((path) => !known.has(path))).toEqual([]);
  });

  it('lists every moved key in "Moved keys", with its new place in the schema', () => {
    const section = /\n## Moved keys\n([\s\S]*?)\n## /.exec(docs)?.[1] ?? "";
    const listed = [...section.matchAll(/^\| `([^`]+)` \| `([^`]+)` \|/gm)].map((row) => ({
      from: row[1],
      to: row[2],
    }));
    expect(listed).toEqual(MOVED_KEYS.map(({ from, to }) => ({ from, to })));
    for (const { to } of MOVED_KEYS) expect(keys).toContain(to);
  });

  it("reads the docs' sections and rows as paths", () => {
    expect(documented.has("mattermost.token")).toBe(true);
    expect(documented.has("repos.*.notify_branches")).toBe(true);
    expect(documented.has("buildbot.username")).toBe(true);
    expect(documented.has("listen")).toBe(true);
    expect(keys).toContain("buildbot.workers[].password");
  });
});
