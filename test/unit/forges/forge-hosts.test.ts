import { describe, expect, it } from "vitest";
import { defineForgeHosts, type ForgeHost, forgeHostNamed } from "../../../src/forges/forge-host.js";
import { FORGE_HOSTS } from "../../../src/forges/forge-hosts.js";
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
