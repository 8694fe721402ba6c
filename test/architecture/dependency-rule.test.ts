import { describe, expect, it } from "vitest";
import { importsOf, readSources, violations } from "./import-graph.js";

const root = new URL("../../", import.meta.url).pathname;

describe("the dependency rule (docs/architecture.md)", () => {
  it("holds for every import in src/", () => {
    expect(violations(readSources(root))).toEqual([]);
  });

  it("catches an adapter, Fastify or SQLite in core/, and a runtime import of a types-only layer", () => {
    const bad = new Map([
      [
        "src/core/x.ts",
        'import Fastify from "fastify";\nimport { SqliteOutbox } from "../store/sqlite-outbox.js";',
      ],
      ["src/core/y.ts", 'import { loadConfig } from "../config/load-config.js";'],
      ["src/notify/z.ts", 'import { formatRootPost } from "../chat/mattermost/format-build-post.js";'],
      ["src/store/w.ts", 'import { ACTION_PATH } from "../chat/mattermost/action-route.js";'],
      ["src/config/v.ts", 'export { x } from "../backends/buildbot/buildbot-properties.js";'],
      [
        "src/core/fine.ts",
        'import type { Config } from "../config/config.js";\nimport { isFinal } from "./build.js";',
      ],
    ]);
    expect(violations(bad)).toEqual([
      "src/core/x.ts: imports fastify (core/ may not)",
      "src/core/x.ts: imports src/store/sqlite-outbox.ts (core/ may not depend on store/)",
      "src/core/y.ts: imports src/config/load-config.ts at run time (types only) (core/ may not depend on config/)",
      "src/notify/z.ts: imports src/chat/mattermost/format-build-post.ts (notify/ may not depend on chat/)",
      "src/store/w.ts: imports src/chat/mattermost/action-route.ts at run time (types only) (store/ may not depend on chat/)",
      "src/config/v.ts: imports src/backends/buildbot/buildbot-properties.ts (config/ may not depend on backends/)",
    ]);
  });

  it("reads multi-line, type-only and re-export forms", () => {
    const text =
      'import {\n  a,\n  type B,\n} from "./a.js";\nimport type { C } from "../c/c.js";\nexport type { D } from "./d.js";';
    expect(importsOf("src/core/f.ts", text).map((i) => [i.target, i.typeOnly])).toEqual([
      ["src/core/a.ts", false],
      ["src/c/c.ts", true],
      ["src/core/d.ts", true],
    ]);
  });
});
