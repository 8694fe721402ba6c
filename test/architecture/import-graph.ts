import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

/**
 * The import graph of src/, read from the source text (no compiler needed: imports in this code
 * base are plain static `import`/`export … from` lines), and the dependency rule of
 * docs/architecture.md as data, so a change that breaks the rule fails `npm test`.
 */

export interface Import {
  /** File, relative to the repository root (src/core/build-service.ts). */
  readonly from: string;
  /** The specifier as written ("../config/config.js", "fastify", "node:fs"). */
  readonly specifier: string;
  /** Resolved to a src/ path for relative imports; null for packages. */
  readonly target: string | null;
  /** `import type` / `export type`: erased at compile time (verbatimModuleSyntax keeps every other form). */
  readonly typeOnly: boolean;
}

const IMPORT = /^\s*(import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?["']([^"']+)["']/gm;
const DYNAMIC = /\bimport\(\s*["']([^"']+)["']\s*\)/g;

export function importsOf(file: string, text: string): Import[] {
  const found: Import[] = [];
  const add = (specifier: string, typeOnly: boolean) => {
    const target = specifier.startsWith(".")
      ? path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier)).replace(/\.js$/, ".ts")
      : null;
    found.push({ from: file, specifier, target, typeOnly });
  };
  for (const match of text.matchAll(IMPORT)) add(match[3] as string, match[2] !== undefined);
  for (const match of text.matchAll(DYNAMIC)) add(match[1] as string, false);
  return found;
}

export function readSources(root: string, dir = "src"): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const relative = `${dir}/${entry.name}`;
    if (entry.isDirectory()) for (const [k, v] of readSources(root, relative)) files.set(k, v);
    else if (entry.name.endsWith(".ts")) files.set(relative, readFileSync(path.join(root, relative), "utf8"));
  }
  return files;
}

/** The top folder of a src/ path ("core" for src/core/x.ts; "" for src/app.ts). */
export function layerOf(file: string): string {
  const parts = file.split("/");
  return parts.length > 2 ? (parts[1] as string) : "";
}

export interface LayerRule {
  /** src/ folders this layer may import at run time (its own is always allowed). */
  readonly runtime: readonly string[];
  /** Further folders it may import with `import type` only (ports it implements). */
  readonly typesFrom?: readonly string[];
  /** npm packages it may import (node: built-ins are always allowed). */
  readonly packages: readonly string[];
}

/**
 * The rule (docs/architecture.md): core/ at the centre imports no adapter and no package; config/
 * beside it; notify/ is the status path's ports and depends only on the centre; adapters translate
 * and reach the centre, never each other at run time. Composition roots (src/app.ts, src/main.ts,
 * cli/, and wiring/, the modules createApp is composed of) may import anything.
 */
export const RULES: Readonly<Record<string, LayerRule>> = {
  core: { runtime: [], typesFrom: ["config"], packages: [] },
  // croner: schedules' cron patterns and time zones are checked when the config loads.
  config: { runtime: ["core"], packages: ["zod", "yaml", "croner"] },
  notify: { runtime: ["core", "config"], packages: [] },
  git: { runtime: ["core", "config"], packages: ["pino"] },
  store: { runtime: ["core"], typesFrom: ["notify", "chat"], packages: ["better-sqlite3"] },
  backends: { runtime: ["core", "config"], packages: ["fastify", "pino", "zod"] },
  // zod: button contexts and clicks are decoded strictly (issue 8 item 5).
  chat: {
    runtime: ["core", "config", "notify"],
    packages: ["fastify", "@fastify/formbody", "@mattermost/types", "zod"],
  },
  // Git hosts: webhook receivers (payload → core ForgeEvent) and the commit-status sink on notify's ports.
  forges: { runtime: ["core", "config", "notify"], packages: ["fastify", "zod"] },
  // Cron schedules: fire triggered builds through core at the times croner computes.
  schedules: { runtime: ["core", "config"], packages: ["croner"] },
  http: { runtime: ["core"], packages: ["fastify"] },
  // zod: the Mattermost sign-in validates the answers of Mattermost's OAuth endpoints.
  web: { runtime: ["core", "config", "http"], packages: ["fastify", "@fastify/formbody", "zod"] },
  health: { runtime: ["core"], typesFrom: ["store"], packages: [] },
  metrics: { runtime: ["core", "config"], typesFrom: ["health"], packages: ["prom-client", "fastify"] },
};

const COMPOSITION_ROOTS = new Set(["", "cli", "wiring"]);

function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? `${parts[0]}/${parts[1]}` : (parts[0] as string);
}

/** Every import that breaks the rule, as "file: what (why)". */
export function violations(files: ReadonlyMap<string, string>): string[] {
  const found: string[] = [];
  for (const [file, text] of files) {
    const layer = layerOf(file);
    if (COMPOSITION_ROOTS.has(layer)) continue;
    const rule = RULES[layer];
    if (!rule) {
      found.push(`${file}: src/${layer}/ has no rule in test/architecture/import-graph.ts; add one`);
      continue;
    }
    for (const imp of importsOf(file, text)) {
      if (imp.target === null) {
        if (imp.specifier.startsWith("node:") || imp.typeOnly) continue;
        const pkg = packageOf(imp.specifier);
        if (!rule.packages.includes(pkg)) found.push(`${file}: imports ${pkg} (${layer}/ may not)`);
        continue;
      }
      const to = layerOf(imp.target);
      if (to === layer) continue;
      if (rule.runtime.includes(to)) continue;
      if (imp.typeOnly && rule.typesFrom?.includes(to)) continue;
      const how = rule.typesFrom?.includes(to) ? " at run time (types only)" : "";
      found.push(`${file}: imports ${imp.target}${how} (${layer}/ may not depend on ${to || "the app"}/)`);
    }
  }
  return found;
}
