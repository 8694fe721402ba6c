import { describe, expect, it } from "vitest";
import { defineForgeHosts, type ForgeHost, forgeHostNamed } from "../../../src/forges/forge-host.js";
import { FORGE_HOSTS } from "../../../src/forges/forge-hosts.js";
import { importsOf, readSources } from "../../architecture/import-graph.js";
import { tinyforgeHost } from "../../fakes/tinyforge/tinyforge-host.js";

/**
 * The host list is checked by the compiler: `npm test` type-checks this file (tsc), and each
 * @ts-expect-error below fails that check the day its line compiles.
 */

describe("the host list", () => {
  it("files each built-in host under its own name", () => {
    for (const [name, host] of Object.entries(FORGE_HOSTS)) expect(host.name).toBe(name);
    expect(Object.keys(FORGE_HOSTS)).toEqual(["github", "gitea", "gitlab"]);
  });

  it("takes a further host through the same typed list, and finds it by name only", () => {
    const hosts = defineForgeHosts({ ...FORGE_HOSTS, tinyforge: tinyforgeHost });
    expect(hosts.tinyforge.pullRequests.heads).toBe("refs/reviews/*/head");
    expect(forgeHostNamed(hosts, "tinyforge")).toBe(tinyforgeHost);
    expect(forgeHostNamed(FORGE_HOSTS, "tinyforge")).toBeUndefined();
    expect(forgeHostNamed(FORGE_HOSTS, "toString")).toBeUndefined();
  });

  it("does not compile with a host missing a member, filed under another name, or a name not in it", () => {
    const { statuses: _left, ...withoutStatuses } = FORGE_HOSTS.gitea;
    // @ts-expect-error a host without its commit-status API is no host
    const incomplete: ForgeHost<"gitea"> = withoutStatuses;
    // @ts-expect-error GitLab's host filed under github
    const misfiled = defineForgeHosts({ github: FORGE_HOSTS.gitlab });
    // @ts-expect-error no host is named bitbucket: reading it is a compile error, not a fall-through
    const unknown = FORGE_HOSTS.bitbucket;
    expect([incomplete.name, Object.keys(misfiled), unknown]).toEqual(["gitea", ["github"], undefined]);
  });
});

/** Imports from a host folder (src/forges/<host>/) into another host's folder. */
function crossHostImports(files: ReadonlyMap<string, string>): string[] {
  const hostOf = (file: string) => /^src\/forges\/([^/]+)\/.+/.exec(file)?.[1];
  const found: string[] = [];
  for (const [file, text] of files) {
    const host = hostOf(file);
    if (!host || host === "status") continue;
    for (const { target } of importsOf(file, text)) {
      const other = target ? hostOf(target) : undefined;
      if (other && other !== host && other !== "status") found.push(`${file} imports ${target}`);
    }
  }
  return found;
}

describe("host folders", () => {
  const root = new URL("../../../", import.meta.url).pathname;

  it("never import each other: what two hosts share is a host-neutral file in src/forges/", () => {
    expect(crossHostImports(readSources(root))).toEqual([]);
  });

  it("the check finds a host that imports another", () => {
    const planted = new Map([
      ["src/forges/gitea/x.ts", 'import { repoRef } from "../github/parse-github-event.js";'],
      ["src/forges/gitea/y.ts", 'import { parseWith } from "../payload-fields.js";'],
    ]);
    expect(crossHostImports(planted)).toEqual([
      "src/forges/gitea/x.ts imports src/forges/github/parse-github-event.ts",
    ]);
  });
});
