import { describe, expect, it } from "vitest";
import {
  branchMatches,
  buildableRepos,
  channelAllowed,
  mayBuild,
  mayStop,
} from "../../../src/core/authorize.js";
import { makeConfig } from "../../helpers/make-config.js";

const alice = { id: "uid-alice", name: "alice" };
const bob = { id: "uid-bob", name: "bob" };
const ci = { id: "chan-ci", name: "ci" };
const random = { id: "chan-random", name: "random" };

const config = makeConfig({
  mattermost: { token: "t", channels: ["ci"], admins: ["root"] },
  repos: {
    web: {
      url: "/x",
      commands: ["true"],
      protected_branches: { master: ["alice"], "release/*": ["alice"] },
    },
    infra: { url: "/y", commands: ["true"], users: ["uid-alice"], channels: ["ops"] },
  },
});

describe("authorization", () => {
  it("allows channels by name or id, falling back to the global list", () => {
    const web = config.repos.web ?? null;
    expect(channelAllowed(config, web, ci)).toBe(true);
    expect(channelAllowed(config, web, { id: "chan-ci", name: "renamed" })).toBe(false);
    expect(channelAllowed(config, web, random)).toBe(false);
    expect(channelAllowed(config, config.repos.infra ?? null, { id: "c", name: "ops" })).toBe(true);
    expect(channelAllowed(config, config.repos.infra ?? null, ci)).toBe(false);
  });

  it("lets a build be stopped by an admin, its requester, or whoever may build its branch", () => {
    const web = config.repos.web;
    if (!web) throw new Error("fixture");
    const bobsOnMaster = { requesterId: bob.id, branch: "master" };
    expect(mayStop(config, web, bobsOnMaster, bob)).toBe(true);
    expect(mayStop(config, web, bobsOnMaster, alice)).toBe(true);
    expect(mayStop(config, web, bobsOnMaster, { id: "u", name: "root" })).toBe(true);
    expect(mayStop(config, web, { requesterId: alice.id, branch: "master" }, bob)).toBe(false);
    // Bob's own name is not enough: the requester is matched by id.
    expect(mayStop(config, web, { requesterId: "bob", branch: "master" }, bob)).toBe(false);
  });

  it("protects branches: only listed users may build them", () => {
    const web = config.repos.web;
    if (!web) throw new Error("fixture");
    expect(mayBuild(config, web, "master", alice).ok).toBe(true);
    const refused = mayBuild(config, web, "master", bob);
    expect(refused).toEqual({ ok: false, why: expect.stringContaining("protected; only @alice") });
    expect(mayBuild(config, web, "release/1.2", bob).ok).toBe(false);
    expect(mayBuild(config, web, "feature/x", bob).ok).toBe(true);
    expect(mayBuild(config, web, "master", { id: "u", name: "root" }).ok).toBe(true);
  });

  it("restricts repos to their users, by id or name", () => {
    const infra = config.repos.infra;
    if (!infra) throw new Error("fixture");
    expect(mayBuild(config, infra, "main", alice).ok).toBe(true);
    expect(mayBuild(config, infra, "main", bob).ok).toBe(false);
    expect(buildableRepos(config, bob, { id: "c", name: "ops" }).map((r) => r.name)).toEqual([]);
    expect(buildableRepos(config, alice, { id: "c", name: "ops" }).map((r) => r.name)).toEqual(["infra"]);
    expect(buildableRepos(config, bob, ci).map((r) => r.name)).toEqual(["web"]);
  });

  it("matches branch globs segment by segment", () => {
    expect(branchMatches("release/*", "release/1.0")).toBe(true);
    expect(branchMatches("release/*", "release/1.0/hotfix")).toBe(false);
    expect(branchMatches("release/**", "release/1.0/hotfix")).toBe(true);
    expect(branchMatches("v1.0", "v1x0")).toBe(false);
    expect(branchMatches("*", "anything")).toBe(true);
  });
});
