import { readdirSync, readFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import path from "node:path";
import { type Import, importsOf } from "./read-imports.js";

/**
 * The import graph of src/ (every import, type-only or not, of a src/ file, a package or a node:
 * built-in, and every load the rule cannot follow) and the dependency rule of docs/architecture.md
 * as data, so a change that breaks the rule fails `npm test`.
 */

export { type Import, importsOf };

export function readSources(root: string, dir = "src"): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const relative = `${dir}/${entry.name}`;
    if (entry.isDirectory()) for (const [k, v] of readSources(root, relative)) files.set(k, v);
    else if (entry.name.endsWith(".ts")) files.set(relative, readFileSync(path.join(root, relative), "utf8"));
  }
  return files;
}

export interface LayerRule {
  /** Layers this one may import at run time (its own is always allowed). */
  readonly runtime: readonly string[];
  /** Further layers it may import with `import type` only (ports it implements). */
  readonly typesFrom?: readonly string[];
  /** npm packages it may import, at run time or for types. */
  readonly packages: readonly string[];
  /** npm packages it may import types from only. */
  readonly typePackages?: readonly string[];
  /** node: built-ins it may import, by module ("fs" covers node:fs/promises). */
  readonly builtins: readonly string[];
  /** For a family: its one file that may import the family's providers (the list that names them). */
  readonly list?: string;
  /** Why, where the row alone does not say (docs/architecture.md shows it). */
  readonly why?: string;
}

/**
 * The rule (docs/architecture.md): core/ at the centre imports no adapter, no package and no
 * built-in; config/ beside it; notify/ is the status path's ports and depends only on the centre;
 * adapters translate and reach the centre, never each other at run time. chat/, forges/ and
 * backends/ are families: each folder in them is a provider, a layer of its own (a new one fails
 * until it has a row), and the family's own files are what its providers share. Composition roots
 * (src/app.ts, src/main.ts, cli/, and wiring/, the modules createApp is composed of) may import anything.
 */
export const RULES: Readonly<Record<string, LayerRule>> = {
  core: { runtime: [], typesFrom: ["config"], packages: [], builtins: [] },
  config: {
    runtime: ["core"],
    packages: ["zod", "yaml", "croner"],
    builtins: ["fs", "path", "url"],
    why: "croner checks cron patterns and time zones at load",
  },
  notify: { runtime: ["core", "config"], packages: [], builtins: ["stream", "timers"] },
  git: { runtime: ["core", "config"], packages: ["pino"], builtins: ["child_process", "fs", "path"] },
  store: {
    runtime: ["core"],
    typesFrom: ["notify", "chat"],
    packages: ["better-sqlite3"],
    typePackages: ["pino"],
    builtins: ["fs", "module", "os", "path", "timers", "worker_threads"],
    why: "implements notify's ports and bot mode's RootPostStore; WAL checkpoints on a worker thread",
  },
  backends: {
    runtime: ["core", "config"],
    packages: [],
    builtins: [],
    why: "the family: what build backends share",
  },
  "backends/local": {
    runtime: ["core", "config", "backends"],
    packages: ["pino"],
    builtins: ["child_process", "crypto", "events", "fs", "os", "path", "stream", "string_decoder", "timers"],
  },
  "backends/buildbot": {
    runtime: ["core", "config", "backends"],
    packages: ["fastify", "pino", "zod"],
    builtins: ["crypto", "fs", "path"],
  },
  chat: {
    runtime: ["core", "config", "notify"],
    packages: ["fastify", "zod"],
    builtins: ["stream"],
    list: "src/chat/chat-platforms.ts",
    why: "the family: the ChatPlatform contract and what chat platforms share",
  },
  "chat/console": { runtime: ["core", "config", "notify", "chat"], packages: [], builtins: ["stream"] },
  "chat/mattermost": {
    runtime: ["core", "config", "notify", "chat"],
    packages: ["fastify", "@fastify/formbody", "@mattermost/types", "zod"],
    builtins: ["crypto", "stream"],
    why: "zod decodes button contexts and clicks strictly",
  },
  forges: {
    runtime: ["core", "config", "notify"],
    packages: ["fastify", "zod"],
    builtins: ["crypto"],
    typesFrom: ["forges/status"],
    list: "src/forges/forge-hosts.ts",
    why: "the family: the ForgeHost contract (it names the commit-status payload), the webhook route, crypto for every host's signature",
  },
  "forges/github": {
    runtime: ["core", "config", "forges", "forges/status"],
    packages: ["zod"],
    builtins: [],
  },
  "forges/gitea": { runtime: ["core", "config", "forges", "forges/status"], packages: ["zod"], builtins: [] },
  "forges/gitlab": {
    runtime: ["core", "config", "forges", "forges/status"],
    packages: ["zod"],
    builtins: [],
  },
  "forges/status": {
    runtime: ["core", "config", "notify", "forges"],
    packages: [],
    builtins: [],
    why: "the commit-status sink on notify's ports; the hosts share its answer classification",
  },
  schedules: { runtime: ["core", "config"], packages: ["croner"], builtins: [] },
  http: { runtime: ["core"], packages: ["fastify"], builtins: [] },
  web: {
    runtime: ["core", "config", "http"],
    packages: ["fastify", "@fastify/formbody", "zod"],
    builtins: ["crypto", "fs", "http", "net", "stream"],
    why: "zod validates the answers of Mattermost's OAuth endpoints",
  },
  health: { runtime: ["core"], typesFrom: ["store"], packages: [], builtins: ["fs"] },
  metrics: {
    runtime: ["core", "config"],
    typesFrom: ["health"],
    packages: ["prom-client", "fastify"],
    builtins: ["crypto"],
  },
};

/**
 * Loads whose specifier is computed, so no rule can check them: each is allowed here by file and
 * expression, with why it is safe. Any other fails.
 */
export const COMPUTED_LOADS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  "src/store/wal-checkpointer.ts": {
    "new Worker(WORKER_SOURCE)":
      "its source, in the same file, loads node:worker_threads and better-sqlite3 (resolved by createRequire beside it)",
  },
};

const COMPOSITION_ROOTS = new Set(["", "cli", "wiring"]);
/** Folders whose sub-folders are providers, each a layer of its own. */
const FAMILIES = new Set(
  Object.keys(RULES).flatMap((layer) => (layer.includes("/") ? [layer.split("/")[0]] : [])),
);

/** The layer of a src/ path: "core" for src/core/x.ts, "forges/github" for src/forges/github/x.ts, "" for src/app.ts. */
export function layerOf(file: string): string {
  const parts = file.split("/");
  if (parts.length <= 2) return "";
  const top = parts[1] as string;
  return FAMILIES.has(top) && parts.length > 3 ? `${top}/${parts[2]}` : top;
}

export function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? `${parts[0]}/${parts[1]}` : (parts[0] as string);
}

/** "fs" for node:fs/promises or fs/promises; null for anything that is not a built-in. */
export function builtinOf(specifier: string): string | null {
  if (!isBuiltin(specifier)) return null;
  return specifier.replace(/^node:/, "").split("/")[0] as string;
}

const through = (imp: Import) =>
  imp.how === "import" || imp.how === "export … from" ? "" : ` through ${imp.how}`;

/** Every import that breaks the rule, as "file:line: what (why)". */
export function violations(files: ReadonlyMap<string, string>): string[] {
  const found: string[] = [];
  for (const [file, text] of files) {
    const layer = layerOf(file);
    const imports = importsOf(file, text);
    for (const imp of imports) {
      if (imp.specifier !== null || COMPUTED_LOADS[file]?.[imp.expression ?? ""]) continue;
      found.push(
        `${file}:${imp.line}: ${imp.expression} loads a module the rule cannot check (give it a string literal, or allow it in COMPUTED_LOADS with why)`,
      );
    }
    if (COMPOSITION_ROOTS.has(layer)) continue;
    const rule = RULES[layer];
    if (!rule) {
      found.push(`${file}: src/${layer}/ has no rule in test/architecture/import-graph.ts; add one`);
      continue;
    }
    for (const imp of imports) {
      const problem = imp.specifier === null ? null : judge(layer, rule, imp, imp.specifier);
      if (problem) found.push(`${file}:${imp.line}: ${problem}`);
    }
  }
  return found;
}

function judge(layer: string, rule: LayerRule, imp: Import, specifier: string): string | null {
  const types = imp.typeOnly ? "types from " : "";
  if (imp.target === null) {
    const builtin = builtinOf(specifier);
    if (builtin !== null)
      return rule.builtins.includes(builtin)
        ? null
        : `imports ${specifier}${through(imp)} (${layer}/ may not use node:${builtin})`;
    const pkg = packageOf(specifier);
    if (rule.packages.includes(pkg)) return null;
    if (rule.typePackages?.includes(pkg))
      return imp.typeOnly
        ? null
        : `imports ${pkg}${through(imp)} at run time (${layer}/ may import its types only)`;
    return `imports ${types}${pkg}${through(imp)} (${layer}/ may not)`;
  }
  if (!imp.target.startsWith("src/")) return `imports ${imp.target} (src/ may not import outside src/)`;
  const to = layerOf(imp.target);
  if (imp.target === RULES[to]?.list && layer.startsWith(`${to}/`))
    return `imports ${types}${imp.target} (the list imports ${layer}/, never the other way round)`;
  if (to === layer || rule.runtime.includes(to)) return null;
  if (rule.list === imp.from && to.startsWith(`${layer}/`)) return null;
  if (imp.typeOnly && rule.typesFrom?.includes(to)) return null;
  const how = rule.typesFrom?.includes(to) ? " at run time (types only)" : "";
  return `imports ${types}${imp.target}${through(imp)}${how} (${layer}/ may not depend on ${to || "the app"}/)`;
}

/** Packages src/ loads at run time that package.json does not list in `dependencies` (a production install lacks them). */
export function undeclaredPackages(
  files: ReadonlyMap<string, string>,
  dependencies: Readonly<Record<string, string>>,
) {
  const found: string[] = [];
  for (const [file, text] of files)
    for (const imp of importsOf(file, text)) {
      if (imp.typeOnly || imp.specifier === null || imp.target !== null || builtinOf(imp.specifier) !== null)
        continue;
      const pkg = packageOf(imp.specifier);
      if (!Object.hasOwn(dependencies, pkg))
        found.push(`${file}:${imp.line}: loads ${pkg}, which is not in dependencies`);
    }
  return found;
}
