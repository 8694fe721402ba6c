import { describe, expect, it } from "vitest";
import { SlashbuildError } from "../../../../src/core/errors.js";
import {
  alice,
  bob,
  carol,
  ci,
  deployConfig,
  deployHarness,
  root,
  SHA_A,
  SHA_B,
  SHA_C,
  THURSDAY,
} from "../../../helpers/deploy-harness.js";

const production = { branches: ["main", "release/*"], approvals: 1, approvers: ["bob", "carol"] };
const staging = { branches: ["main"] };

function refusal(work: () => unknown): SlashbuildError {
  try {
    work();
  } catch (error) {
    if (error instanceof SlashbuildError) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}

describe("DeployService: requests", () => {
  it("deploys the newest green build of the default branch at once, with the deploy's commands and environment", async () => {
    const t = deployHarness(
      deployConfig({ staging: { ...staging, secrets: { STAGING_KEY: "s3cr3t-staging" } } }),
    );
    t.built("main", SHA_A);
    t.built("main", SHA_B, "failed");
    const admission = t.request({ environment: "staging" });
    expect(admission.outcome).toBe("deploying");
    expect(admission.deploy).toMatchObject({
      revision: SHA_A,
      branch: "main",
      sourceBuildId: 1,
      state: "deploying",
    });
    await t.settle();
    const [started] = t.backend.started;
    expect(started).toMatchObject({ id: admission.deploy.buildId, kind: "deploy", environment: "staging" });
    expect(t.backend.configs[0]).toMatchObject({
      commands: ["make deploy"],
      env: { SLASHBUILD_ENVIRONMENT: "staging", SLASHBUILD_PREVIOUS_REVISION: "" },
      secrets: { STAGING_KEY: "s3cr3t-staging" },
    });
    t.ran(admission.deploy.buildId, "succeeded");
    expect(t.deploys.get(admission.deploy.buildId)?.state).toBe("succeeded");
    expect(t.deploys.reads.environments("app", ci)[0]?.current?.revision).toBe(SHA_A);
  });

  it("refuses what has no green build, a branch the environment does not take, and a pull request's build", () => {
    const t = deployHarness(deployConfig({ staging }));
    expect(
      refusal(() =>
        t.deploys.request({ repo: "app", environment: "staging", target: null, user: alice, channel: ci }),
      ).code,
    ).toBe("DEPLOY_NOT_GREEN");
    t.built("feature", SHA_A);
    const branch = refusal(() =>
      t.request({ environment: "staging", target: { revision: SHA_A.slice(0, 8) } }),
    );
    expect(branch.code).toBe("DEPLOY_BRANCH_NOT_ALLOWED");
    expect(branch.message).toContain("`feature`");
    const failed = t.built("main", SHA_B, "failed");
    expect(refusal(() => t.request({ environment: "staging", target: { build: failed.id } })).code).toBe(
      "DEPLOY_NOT_GREEN",
    );
    const pull = t.built("main", SHA_C, "succeeded", {
      kind: "pull_request",
      forge: "github",
      number: 7,
      title: "x",
      url: null,
      author: "eve",
      fork: true,
      headRef: "refs/pull/7/head",
      noun: "Pull request",
      reference: "#7",
    });
    const forcedPull = refusal(() =>
      t.request({ environment: "staging", target: { build: pull.id }, user: root, force: true }),
    );
    expect(forcedPull.code).toBe("DEPLOY_BRANCH_NOT_ALLOWED");
    expect(t.store.history("app", "staging", 10)).toEqual([]);
  });

  it("lets an admin --force past the rules, records what was overridden; anyone else is refused", async () => {
    const t = deployHarness(deployConfig({ staging: { ...staging, freeze: ["* * * * *"] } }));
    t.built("feature", SHA_A);
    expect(
      refusal(() => t.request({ environment: "staging", target: { revision: SHA_A }, force: true })).code,
    ).toBe("NOT_PERMITTED");
    const admission = t.request({
      environment: "staging",
      target: { revision: SHA_A },
      user: root,
      force: true,
    });
    expect(admission.deploy.forced).toEqual([
      "branch feature is not one of staging's",
      "the freeze * * * * *",
    ]);
    await t.settle();
    expect(t.told).toContain(`requested #${admission.deploy.buildId} deploying`);
  });

  it("waits for approval, answers a second request for the same revision with the first, supersedes it with another revision", async () => {
    const t = deployHarness(deployConfig({ production }));
    t.built("main", SHA_A);
    const first = t.request();
    expect(first.outcome).toBe("awaiting_approval");
    expect(first.deploy.expiresAt).toBe(THURSDAY + 24 * 3_600_000);
    // Announced, as it is in chat long before anyone asks again.
    await t.settle();
    const again = t.request({ user: carol });
    expect(again).toMatchObject({ outcome: "duplicate", deploy: { buildId: first.deploy.buildId } });
    t.built("main", SHA_B);
    const newer = t.request({ user: carol });
    expect(newer.outcome).toBe("awaiting_approval");
    expect(newer.superseded?.buildId).toBe(first.deploy.buildId);
    expect(t.deploys.get(first.deploy.buildId)).toMatchObject({
      state: "superseded",
      reason: `superseded by #${newer.deploy.buildId}`,
      supersededBy: newer.deploy.buildId,
    });
    expect(t.service.getBuild(first.deploy.buildId).status).toBe("cancelled");
    expect(t.told).toContain(`ended #${first.deploy.buildId} superseded by #${newer.deploy.buildId}`);
  });

  it("reads a request's commits after the answer, and only for a request still standing then", async () => {
    const t = deployHarness(deployConfig({ production }));
    t.built("main", SHA_A);
    const ask = () =>
      t.deploys.request({ repo: "app", environment: "production", target: null, user: alice, channel: ci });
    const first = ask();
    // The answer is out before any git read (the harness's read notes the range it read).
    expect(t.deploys.get(first.deploy.buildId)?.announced).toBe(false);
    t.built("main", SHA_B);
    const second = ask();
    expect(second.superseded?.buildId).toBe(first.deploy.buildId);
    await t.settle();
    // The burst's first request was superseded before its turn: announced, its commits not read.
    expect(t.deploys.get(first.deploy.buildId)).toMatchObject({
      announced: true,
      commits: { note: "not read: the request was superseded first" },
    });
    expect(t.deploys.get(second.deploy.buildId)).toMatchObject({
      announced: true,
      commits: { note: `null..${SHA_B}` },
    });
    // One notice for it, its end: not a request post followed by "superseded".
    expect(t.told.filter((told) => told.includes(`#${first.deploy.buildId} `))).toEqual([
      `ended #${first.deploy.buildId} superseded by #${second.deploy.buildId}`,
    ]);
    expect(t.told).toContain(`requested #${second.deploy.buildId} awaiting_approval`);
  });

  it("drops a waiting announcement at close: the database, closed next, is never read", async () => {
    const t = deployHarness(deployConfig({ production }));
    t.built("main", SHA_A);
    t.deploys.request({ repo: "app", environment: "production", target: null, user: alice, channel: ci });
    t.deploys.close();
    // The shutdown order: the deploys first, the database last, before the timer's turn.
    t.db.close();
    await t.settle();
    expect(t.errors).toEqual([]);
    expect(t.told).toEqual([]);
  });

  it("announces at the next start a request the shutdown left unannounced", async () => {
    const t = deployHarness(deployConfig({ production }));
    t.built("main", SHA_A);
    const { deploy } = t.request();
    t.deploys.close();
    await t.settle();
    expect(t.deploys.get(deploy.buildId)?.announced).toBe(false);
    expect(t.told).toEqual([]);
    t.restart();
    await t.settle();
    expect(t.deploys.get(deploy.buildId)).toMatchObject({
      announced: true,
      commits: { note: `null..${SHA_A}` },
    });
    expect(t.told).toEqual([`requested #${deploy.buildId} awaiting_approval`]);
  });

  it("runs one deploy at a time per environment: a second queues behind, and starts when the first ends", async () => {
    const t = deployHarness(deployConfig({ staging }));
    t.built("main", SHA_A);
    t.built("main", SHA_B);
    const first = t.request({ environment: "staging", target: { revision: SHA_A } });
    const second = t.request({ environment: "staging", target: { revision: SHA_B }, user: bob });
    expect(second).toMatchObject({ outcome: "queued", behind: { buildId: first.deploy.buildId } });
    await t.settle();
    expect(t.backend.started.map((b) => b.id)).toEqual([first.deploy.buildId]);
    t.ran(first.deploy.buildId, "failed");
    await t.settle();
    expect(t.backend.started.map((b) => b.id)).toEqual([first.deploy.buildId, second.deploy.buildId]);
    // A failed deploy is never "previous": SLASHBUILD_PREVIOUS_REVISION is what the environment holds.
    expect(t.deploys.get(second.deploy.buildId)?.previousRevision).toBeNull();
  });
});

describe("DeployService: approvals", () => {
  it("needs N distinct approvers, then deploys; a rejection ends it", async () => {
    const t = deployHarness(deployConfig({ production: { ...production, approvals: 2 } }));
    t.built("main", SHA_A);
    const { deploy } = t.request();
    const one = t.decide(deploy.buildId);
    expect(one).toMatchObject({ missing: 1, deploy: { state: "awaiting_approval" } });
    expect(refusal(() => t.decide(deploy.buildId)).code).toBe("DEPLOY_DECIDED");
    const two = t.decide(deploy.buildId, { user: carol });
    expect(two).toMatchObject({ missing: 0, deploy: { state: "deploying" } });
    await t.settle();
    expect(t.backend.started.map((b) => b.id)).toEqual([deploy.buildId]);

    t.built("main", SHA_B);
    const next = t.request();
    t.decide(next.deploy.buildId, { verdict: "rejected", user: carol, reason: "not today" });
    expect(t.deploys.get(next.deploy.buildId)).toMatchObject({
      state: "rejected",
      reason: "rejected by @carol: not today",
    });
    expect(t.told).toContain(`decided #${next.deploy.buildId} rejected by carol`);
  });

  it("expires a request nobody approved, and says so", async () => {
    const t = deployHarness(deployConfig({ production: { ...production, approval_expiry: "2h" } }));
    t.built("main", SHA_A);
    const { deploy } = t.request();
    await t.settle();
    t.now += 2 * 3_600_000 - 1;
    t.deploys.sweep();
    expect(t.deploys.get(deploy.buildId)?.state).toBe("awaiting_approval");
    t.now += 1;
    expect(refusal(() => t.decide(deploy.buildId)).code).toBe("DEPLOY_DECIDED");
    t.deploys.sweep();
    expect(t.deploys.get(deploy.buildId)).toMatchObject({
      state: "expired",
      reason: "not approved within 2h",
    });
    expect(t.told).toContain(`ended #${deploy.buildId} expired`);
  });
});

describe("DeployService: locks, freezes, rollback, auto", () => {
  it("a lock refuses everyone but its holder until it lapses; an admin breaks it, announced", () => {
    const t = deployHarness(deployConfig({ staging: { ...staging, lock_ttl: "1h" } }));
    t.built("main", SHA_A);
    t.deploys.locks.lock({
      repo: "app",
      environment: "staging",
      user: bob,
      channel: ci,
      reason: "db migration",
    });
    const locked = refusal(() =>
      t.deploys.request({ repo: "app", environment: "staging", target: null, user: alice, channel: ci }),
    );
    expect(locked.code).toBe("ENVIRONMENT_LOCKED");
    expect(locked.message).toMatch(/locked by @bob since 2026-04-30 12:00 UTC: db migration/);
    expect(
      refusal(() => t.deploys.locks.unlock({ repo: "app", environment: "staging", user: alice, channel: ci }))
        .code,
    ).toBe("NOT_PERMITTED");
    expect(
      t.deploys.locks.unlock({ repo: "app", environment: "staging", user: root, channel: ci }).broken,
    ).toBe(true);
    expect(t.told).toEqual(["locked staging by bob", "lock_broken staging by root"]);
    t.deploys.locks.lock({ repo: "app", environment: "staging", user: bob, channel: ci });
    expect(
      t.deploys.request({ repo: "app", environment: "staging", target: null, user: bob, channel: ci })
        .outcome,
    ).toBe("deploying");
    t.now += 3_600_000;
    t.deploys.sweep();
    expect(t.store.events("app", "staging", 10).map((e) => e.kind)).toEqual([
      "lock_lapsed",
      "locked",
      "lock_broken",
      "locked",
    ]);
  });

  it("a freeze refuses, saying until when; /build envs shows the next one", () => {
    // Fridays, in Berlin: from Thursday 22:00 UTC.
    const t = deployHarness(
      deployConfig({ staging: { ...staging, freeze: ["* * * * 5"], timezone: "Europe/Berlin" } }),
    );
    t.built("main", SHA_A);
    const [status] = t.deploys.reads.environments("app", ci);
    expect(status?.freeze).toEqual({
      now: null,
      next: { pattern: "* * * * 5", at: Date.UTC(2026, 3, 30, 22, 0) },
    });
    t.now = Date.UTC(2026, 4, 1, 9, 30);
    const frozen = refusal(() =>
      t.deploys.request({ repo: "app", environment: "staging", target: null, user: alice, channel: ci }),
    );
    expect(frozen.code).toBe("ENVIRONMENT_FROZEN");
    expect(frozen.message).toContain("until 2026-05-01 22:00 UTC");
  });

  it("rolls back to the previous successful deploy's revision, never a failed one's, without approval by default", async () => {
    const t = deployHarness(deployConfig({ production }));
    for (const [sha, result] of [
      [SHA_A, "succeeded"],
      [SHA_C, "failed"],
      [SHA_B, "succeeded"],
    ] as const) {
      t.built("main", sha);
      const { deploy } = t.request({ target: { revision: sha } });
      t.decide(deploy.buildId);
      await t.settle();
      t.ran(deploy.buildId, result);
    }
    const rollback = t.deploys.rollback({ repo: "app", environment: "production", user: alice, channel: ci });
    expect(rollback).toMatchObject({
      outcome: "deploying",
      deploy: { kind: "rollback", revision: SHA_A, previousRevision: SHA_B },
    });
  });

  it("auto-deploys a green build of the branch; a newer push supersedes the waiting one", () => {
    const push = () => ({
      kind: "push" as const,
      forge: "github",
      pusher: "A",
      pusherLogin: "a",
      commits: [],
      totalCommits: 1,
      compareUrl: null,
      tag: false,
    });
    const t = deployHarness(deployConfig({ production: { ...production, auto: true } }));
    const first = t.built("main", SHA_A, "succeeded", push());
    const waiting = t.deploys.reads.environments("app", ci)[0]?.waiting;
    expect(waiting).toMatchObject({ kind: "auto", sourceBuildId: first.id, state: "awaiting_approval" });
    t.built("main", SHA_B, "failed", push());
    expect(t.deploys.get(waiting?.buildId ?? 0)).toMatchObject({ state: "superseded", supersededBy: null });
    t.built("feature", SHA_C);
    expect(t.deploys.reads.environments("app", ci)[0]?.waiting).toBeNull();
  });

  it("does not auto-deploy a commit again where it is deployed (a rebuild of it turning green)", async () => {
    const t = deployHarness(deployConfig({ staging: { ...staging, auto: true } }));
    const first = t.built("main", SHA_A);
    const auto = t.deploys.reads.environments("app", ci)[0]?.deploying;
    expect(auto).toMatchObject({ kind: "auto", sourceBuildId: first.id });
    await t.settle();
    t.ran(auto?.buildId ?? 0, "succeeded");
    t.built("main", SHA_A);
    expect(t.deploys.reads.history("app", "staging", ci).deploys).toHaveLength(1);
    t.built("main", SHA_B);
    expect(t.deploys.reads.history("app", "staging", ci).deploys).toHaveLength(2);
  });
});

describe("a deploy's build", () => {
  it("is not rebuilt as a build; the requester cancels a waiting deploy with /build stop", async () => {
    const t = deployHarness(deployConfig({ production }));
    t.built("main", SHA_A);
    const { deploy } = t.request();
    await expect(t.service.rebuild(deploy.buildId, alice, ci)).rejects.toThrow(/is a deploy to production/);
    await t.service.stopBuild(deploy.buildId, alice);
    expect(t.deploys.get(deploy.buildId)?.state).toBe("cancelled");
    expect(t.backend.started).toEqual([]);
  });

  it("waiting for approval or for its environment, is left out of BuildService.recover (deploys relaunch their own)", async () => {
    const t = deployHarness(deployConfig({ production }));
    t.built("main", SHA_A);
    const { deploy } = t.request();
    await t.service.recover();
    expect(t.backend.recovered.map((build) => build.id)).not.toContain(deploy.buildId);
  });
});
