import { existsSync, readFileSync, statSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  builtinOf,
  COMPUTED_LOADS,
  importsOf,
  RULES,
  readSources,
  undeclaredPackages,
  violations,
} from "./import-graph.js";
import { ruleTable, tableIn } from "./rule-table.js";

const root = new URL("../../", import.meta.url).pathname;
const sources = readSources(root);

describe("the dependency rule (docs/architecture.md)", () => {
  it("holds for every import in src/", () => {
    expect(violations(sources)).toEqual([]);
  });

  it("catches an adapter, Fastify or SQLite in core/, and a runtime import of a types-only layer", () => {
    const bad = new Map([
      [
        "src/core/x.ts",
        'import Fastify from "fastify";\nimport { SqliteOutbox } from "../store/sqlite-outbox.js";',
      ],
      ["src/core/y.ts", 'import { loadConfig } from "../config/load-config.js";'],
      ["src/notify/z.ts", 'import { formatRootPost } from "../chat/mattermost/format-build-post.js";'],
      ["src/store/w.ts", 'import { apologize } from "../chat/apologize.js";'],
      ["src/config/v.ts", 'export { x } from "../backends/buildbot/buildbot-properties.js";'],
      [
        "src/core/fine.ts",
        'import type { Config } from "../config/config.js";\nimport { isFinal } from "./build.js";',
      ],
    ]);
    expect(violations(bad)).toEqual([
      "src/core/x.ts:1: imports fastify (core/ may not)",
      "src/core/x.ts:2: imports src/store/sqlite-outbox.ts (core/ may not depend on store/)",
      "src/core/y.ts:1: imports src/config/load-config.ts at run time (types only) (core/ may not depend on config/)",
      "src/notify/z.ts:1: imports src/chat/mattermost/format-build-post.ts (notify/ may not depend on chat/mattermost/)",
      "src/store/w.ts:1: imports src/chat/apologize.ts at run time (types only) (store/ may not depend on chat/)",
      "src/config/v.ts:1: imports src/backends/buildbot/buildbot-properties.ts (config/ may not depend on backends/buildbot/)",
    ]);
  });

  it("catches a package's types: import type, an import() type, and a types-only package at run time", () => {
    const bad = new Map([
      ["src/core/a.ts", 'import type { FastifyRequest } from "fastify";'],
      ["src/core/b.ts", 'export function f(reply: import("fastify").FastifyReply) {}'],
      ["src/core/c.ts", 'export type { Logger } from "pino";'],
      ["src/store/d.ts", 'import pino from "pino";\nimport type { Logger } from "pino";'],
    ]);
    expect(violations(bad)).toEqual([
      "src/core/a.ts:1: imports types from fastify (core/ may not)",
      "src/core/b.ts:1: imports types from fastify through import() type (core/ may not)",
      "src/core/c.ts:1: imports types from pino (core/ may not)",
      "src/store/d.ts:1: imports pino at run time (store/ may import its types only)",
    ]);
  });

  it("catches a built-in a folder may not use, with or without node:, imported or fetched", () => {
    const bad = new Map([
      ["src/core/a.ts", 'import { readFileSync } from "node:fs";\nimport type { Writable } from "stream";'],
      ["src/core/b.ts", 'const fs = process.getBuiltinModule("node:fs/promises");'],
      ["src/forges/github/c.ts", 'import { execFile } from "node:child_process";'],
      [
        "src/forges/d.ts",
        'import { createHmac } from "node:crypto";\nimport { readFile } from "node:fs/promises";',
      ],
    ]);
    expect(violations(bad)).toEqual([
      "src/core/a.ts:1: imports node:fs (core/ may not use node:fs)",
      "src/core/a.ts:2: imports stream (core/ may not use node:stream)",
      "src/core/b.ts:1: imports node:fs/promises through process.getBuiltinModule (core/ may not use node:fs)",
      "src/forges/github/c.ts:1: imports node:child_process (forges/github/ may not use node:child_process)",
      "src/forges/d.ts:2: imports node:fs/promises (forges/ may not use node:fs)",
    ]);
  });

  it("follows require, createRequire under any name, and import() with a literal", () => {
    const bad = new Map([
      [
        "src/store/a.ts",
        [
          'import { createRequire } from "node:module";',
          "const load = createRequire(import.meta.url);",
          'const fastify = load("fastify");',
          'const where = load.resolve("zod");',
        ].join("\n"),
      ],
      [
        "src/store/b.ts",
        'import { createRequire as cr } from "node:module";\nexport const p = cr(import.meta.url)("pino");',
      ],
      [
        "src/store/c.ts",
        'import * as m from "node:module";\nm.createRequire(import.meta.url)("../web/html.js");',
      ],
      [
        "src/store/g.ts",
        'const { createRequire: cr } = await import("node:module");\n(await import("node:module")).createRequire(import.meta.url)("yaml");\ncr(import.meta.url)("croner");',
      ],
      ["src/core/d.ts", 'const { z } = await import("zod");\nconst y = require("yaml");'],
      ["src/git/e.ts", 'import { createRequire } from "node:module";'],
      [
        "src/store/fine.ts",
        'import { createRequire } from "node:module";\ncreateRequire(import.meta.url)("better-sqlite3");',
      ],
    ]);
    expect(violations(bad)).toEqual([
      "src/store/a.ts:3: imports fastify through createRequire (store/ may not)",
      "src/store/a.ts:4: imports zod through createRequire (store/ may not)",
      "src/store/b.ts:2: imports pino through createRequire at run time (store/ may import its types only)",
      "src/store/c.ts:2: imports src/web/html.ts through createRequire (store/ may not depend on web/)",
      "src/store/g.ts:2: imports yaml through createRequire (store/ may not)",
      "src/store/g.ts:3: imports croner through createRequire (store/ may not)",
      "src/core/d.ts:1: imports zod through import() (core/ may not)",
      "src/core/d.ts:2: imports yaml through require (core/ may not)",
      "src/git/e.ts:1: imports node:module (git/ may not use node:module)",
    ]);
  });

  it("fails a load it cannot follow, anywhere, unless COMPUTED_LOADS allows that very one", () => {
    const bad = new Map([
      // biome-ignore lint/suspicious/noTemplateCurlyInString: planted source text that holds a template literal
      ["src/core/a.ts", "const m = await import(`./${name}.js`);"],
      ["src/app.ts", "export const load = (name: string) => import(name);"],
      ["src/cli/b.ts", 'import { createRequire } from "node:module";\nrun(createRequire(import.meta.url));'],
      ["src/store/c.ts", 'import { Worker } from "node:worker_threads";\nnew Worker(file, { eval: true });'],
      ["src/web/d.ts", 'eval("1");\nconst f = new Function("return 1");\nrequire(name);'],
      ["src/store/wal-checkpointer.ts", "new Worker(WORKER_SOURCE);\nnew Worker(OTHER_SOURCE);"],
    ]);
    const why =
      "loads a module the rule cannot check (give it a string literal, or allow it in COMPUTED_LOADS with why)";
    expect(violations(bad)).toEqual([
      `src/core/a.ts:1: import(\`./\${name}.js\`) ${why}`,
      `src/app.ts:1: import(name) ${why}`,
      `src/cli/b.ts:2: createRequire(import.meta.url) (a module loader handed on) ${why}`,
      `src/store/c.ts:2: new Worker(file) ${why}`,
      `src/web/d.ts:1: eval("1") ${why}`,
      `src/web/d.ts:2: new Function("return 1") ${why}`,
      `src/web/d.ts:3: require(name) ${why}`,
      `src/store/wal-checkpointer.ts:2: new Worker(OTHER_SOURCE) ${why}`,
    ]);
  });

  it("keeps each provider to itself: no provider imports another, nor its family's list", () => {
    const bad = new Map([
      ["src/forges/gitea/a.ts", 'import { repoRef } from "../github/parse-github-event.js";'],
      ["src/forges/gitlab/b.ts", 'import type { X } from "../gitea/gitea-host.js";'],
      ["src/forges/github/c.ts", 'import { FORGE_HOSTS } from "../forge-hosts.js";'],
      ["src/forges/d.ts", 'import { githubHost } from "./github/github-host.js";'],
      ["src/backends/local/e.ts", 'import { x } from "../buildbot/buildbot-client.js";'],
      ["src/backends/local/sandbox/f.ts", 'import { y } from "../../buildbot/y.js";'],
      [
        "src/chat/mattermost/g.ts",
        'import { statusFormatter } from "../../forges/status/commit-status-formatter.js";',
      ],
      ["src/forges/bitbucket/h.ts", 'import { parseWith } from "../payload-fields.js";'],
      [
        "src/forges/gitea/fine.ts",
        'import { parseWith } from "../payload-fields.js";\nimport { classifyStatusAnswer } from "../status/classify-status-answer.js";',
      ],
      ["src/forges/forge-hosts.ts", 'import { giteaHost } from "./gitea/gitea-host.js";'],
      ["src/backends/local/sandbox/fine.ts", 'import { z } from "../run-build.js";'],
    ]);
    expect(violations(bad)).toEqual([
      "src/forges/gitea/a.ts:1: imports src/forges/github/parse-github-event.ts (forges/gitea/ may not depend on forges/github/)",
      "src/forges/gitlab/b.ts:1: imports types from src/forges/gitea/gitea-host.ts (forges/gitlab/ may not depend on forges/gitea/)",
      "src/forges/github/c.ts:1: imports src/forges/forge-hosts.ts (the list imports forges/github/, never the other way round)",
      "src/forges/d.ts:1: imports src/forges/github/github-host.ts (forges/ may not depend on forges/github/)",
      "src/backends/local/e.ts:1: imports src/backends/buildbot/buildbot-client.ts (backends/local/ may not depend on backends/buildbot/)",
      "src/backends/local/sandbox/f.ts:1: imports src/backends/buildbot/y.ts (backends/local/ may not depend on backends/buildbot/)",
      "src/chat/mattermost/g.ts:1: imports src/forges/status/commit-status-formatter.ts (chat/mattermost/ may not depend on forges/status/)",
      "src/forges/bitbucket/h.ts: src/forges/bitbucket/ has no rule in test/architecture/import-graph.ts; add one",
    ]);
  });

  it("catches an import from outside src/", () => {
    const bad = new Map([["src/web/a.ts", 'import { fake } from "../../test/fakes/fake-forge.js";']]);
    expect(violations(bad)).toEqual([
      "src/web/a.ts:1: imports test/fakes/fake-forge.ts (src/ may not import outside src/)",
    ]);
  });

  it("reads multi-line, type-only, re-export, import-equals and reference forms", () => {
    const text = [
      '/// <reference types="node" />',
      "import {\n  a,\n  type B,\n} from './a.js';",
      'import type { C } from "../c/c.js";',
      'export type { D } from "./d.js";',
      'export * from "./e.js";',
      'import f = require("./f.js");',
      'type G = typeof import("./g.js");',
    ].join("\n");
    expect(importsOf("src/core/f.ts", text).map((i) => [i.line, i.specifier, i.target, i.typeOnly])).toEqual([
      [1, "node", null, true],
      // verbatimModuleSyntax keeps `import { type B }` as `import {}`: the module still loads.
      [2, "./a.js", "src/core/a.ts", false],
      [6, "../c/c.js", "src/c/c.ts", true],
      [7, "./d.js", "src/core/d.ts", true],
      [8, "./e.js", "src/core/e.ts", false],
      [9, "./f.js", "src/core/f.ts", false],
      [10, "./g.js", "src/core/g.ts", true],
    ]);
  });

  it("does not take a property or a declaration named require for a load, and fails closed on its use", () => {
    const text = "const o = { require: 1 };\no.require;\nfunction f(require: number) {}";
    expect(importsOf("src/core/f.ts", text)).toEqual([]);
    // Without scopes the reader cannot tell a shadowing `require` from CommonJS's: a use fails.
    const used = importsOf("src/core/g.ts", "function g(require: number) {\n  return require;\n}");
    expect(used.map((i) => [i.line, i.expression])).toEqual([[2, "require (a module loader handed on)"]]);
  });
});

describe("RULES", () => {
  it("has a row for a folder of src/ only, and allows only computed loads that exist", () => {
    expect(Object.keys(RULES).filter((layer) => !existsSync(`${root}src/${layer}`))).toEqual([]);
    const stale = Object.entries(COMPUTED_LOADS).flatMap(([file, allowed]) =>
      Object.keys(allowed).filter(
        (expression) =>
          !importsOf(file, sources.get(file) ?? "").some((imp) => imp.expression === expression),
      ),
    );
    expect(stale).toEqual([]);
    for (const rule of Object.values(RULES)) {
      expect(rule.builtins.filter((name) => builtinOf(name) !== name)).toEqual([]);
      if (rule.list) expect(statSync(`${root}${rule.list}`).isFile()).toBe(true);
    }
  });

  it("is the table docs/architecture.md shows", () => {
    const doc = readFileSync(`${root}docs/architecture.md`, "utf8");
    expect(tableIn(doc)).toBe(ruleTable());
  });
});

describe("packages src/ loads at run time", () => {
  const { dependencies } = JSON.parse(readFileSync(`${root}package.json`, "utf8")) as {
    dependencies: Record<string, string>;
  };

  it("are dependencies, not devDependencies (types may come from either)", () => {
    expect(undeclaredPackages(sources, dependencies)).toEqual([]);
  });

  it("the check finds a devDependency loaded at run time, and lets its types through", () => {
    const planted = new Map([
      ["src/chat/mattermost/a.ts", 'import { Posts } from "@mattermost/types/posts";'],
      [
        "src/chat/mattermost/b.ts",
        'import type { Post } from "@mattermost/types/posts";\nimport { z } from "zod";',
      ],
    ]);
    expect(undeclaredPackages(planted, dependencies)).toEqual([
      "src/chat/mattermost/a.ts:1: loads @mattermost/types, which is not in dependencies",
    ]);
  });
});
