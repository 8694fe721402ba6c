import { createHash } from "node:crypto";
import { expect, it } from "vitest";
import type { Config } from "../../src/config/config.js";
import type { Build } from "../../src/core/build.js";
import type { BuildService } from "../../src/core/build-service.js";
import { deployRepoConfig } from "../../src/core/deploys/deploy-repo-config.js";
import { requestNew } from "../fakes/request-new.js";

/**
 * What every BuildBackend must do, seen through the BuildService (the port's only consumer).
 * Each implementation's test file provides an environment with three repos configured:
 *   ok:    ["git rev-parse HEAD"]            (succeeds)
 *   fails: ["true", "exit 3", "echo never"]  (fails at the second command)
 *   slow:  ["sleep 60"]                      (runs until stopped)
 *   deploys: DEPLOYS_REPO (a deploy: section with production and staging)
 * all on a repository whose `main` has at least two commits, the tip's parent being `previous`.
 */

const sha = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 16);
const REPO_TOKEN = "contract-repo-token-value";
const PROD_TOKEN = "contract-prod-token-value";
/** What the check below hashes: secret values never appear in a command line (they would be masked there). */
const digest = (variables: string) => `"$(printf %s ${variables} | sha256sum | cut -c1-16)"`;

/**
 * A repo that deploys (issue 20): its build must see no deploy variable and no environment's secret;
 * its deploys check, each in its own step, the environment, the revision checked out, the previous
 * revision (the contract deploys `previous` over the tip, a rollback), and the secrets: the repo's
 * and production's own in production, the repo's alone in staging.
 */
export const DEPLOYS_REPO = {
  commands: [
    'test -z "$SLASHBUILD_ENVIRONMENT$PROD_TOKEN"',
    `test ${digest('"$REPO_TOKEN"')} = ${sha(REPO_TOKEN)}`,
  ],
  secrets: { REPO_TOKEN },
  deploy: {
    commands: [
      'test "$SLASHBUILD_REVISION" = "$(git rev-parse HEAD)"',
      'test "$(git rev-parse "$SLASHBUILD_PREVIOUS_REVISION~1")" = "$SLASHBUILD_REVISION"',
      `case "$SLASHBUILD_ENVIRONMENT" in production) test ${digest('"$REPO_TOKEN:$PROD_TOKEN"')} = ${sha(`${REPO_TOKEN}:${PROD_TOKEN}`)} ;; staging) test -z "$PROD_TOKEN" && test ${digest('"$REPO_TOKEN"')} = ${sha(REPO_TOKEN)} ;; *) exit 1 ;; esac`,
    ],
    environments: { production: { secrets: { PROD_TOKEN } }, staging: {} },
  },
} as const;
export interface BackendContractEnv {
  /** Requests a build of `repo` on `main` (at `revision` when given), as alice. */
  request(repo: "ok" | "fails" | "slow" | "deploys", revision?: string): Promise<Build>;
  /**
   * Deploys `revision` of `deploys` to `environment` over `previous`, as core/deploys does once a
   * deploy may run: a held build of kind "deploy", launched with the environment's deploy config.
   */
  deploy(environment: "production" | "staging", revision: string, previous: string): Promise<Build>;
  /** Resolves with the build once the channel has been told it finished. */
  finished(id: number): Promise<Build>;
  /** Resolves once the build has been reported started. */
  started(id: number): Promise<Build>;
  /** The order of status notifications for a build, e.g. ["started", "finished"]. */
  notifications(id: number): string[];
  stop(id: number): Promise<void>;
  /** Full shas of main's tip and of the commit before it. */
  readonly tip: string;
  readonly previous: string;
  /** A commit on another branch, not on main. */
  readonly elsewhere: string;
  /** How many builds the backend has been handed so far (Buildbot: build requests on the master). */
  handedOver(): Promise<number>;
  /** How many builds are stored. */
  stored(): number;
}

/** `request`, `deploy` and `stop` through `service`, as chat does them: alice in ~ci, on `main`. */
export function viaService(
  service: BuildService,
  config: Config,
): Pick<BackendContractEnv, "request" | "deploy" | "stop"> {
  const alice = { id: "uid-alice", name: "alice" };
  return {
    deploy: async (environment, revision, previous) => {
      const repo = config.repos.deploys;
      const place = repo?.deploy?.environments[environment];
      if (!repo?.deploy || !place) throw new Error("the contract's config has no deploys repo");
      const build = service.hold({
        repo: repo.name,
        branch: "main",
        requestedRevision: revision,
        requester: alice.name,
        requesterId: alice.id,
        channelId: "chan-ci",
        channelName: "ci",
        backend: repo.backend,
        rebuildOf: null,
        createdAt: Date.now(),
        trigger: null,
        kind: "deploy",
        environment,
      });
      await service.launch(build, deployRepoConfig(repo, repo.deploy, place, { previousRevision: previous }));
      return build;
    },
    request: (repo, revision) =>
      requestNew(service, {
        repo,
        branch: "main",
        revision: revision ?? null,
        user: alice,
        channel: { id: "chan-ci", name: "ci" },
      }),
    stop: async (id) => {
      await service.stopBuild(id, alice);
    },
  };
}

export function buildBackendContract(env: () => BackendContractEnv): void {
  it("contract: builds the branch tip, started before finished, every command succeeded", async () => {
    const e = env();
    const build = await e.request("ok");
    const done = await e.finished(build.id);
    expect(done).toMatchObject({ status: "succeeded", sha: e.tip, failingStep: null });
    expect(done.steps.find((s) => s.name === "git rev-parse HEAD")?.status).toBe("succeeded");
    expect(e.notifications(build.id)).toEqual(["started", "finished"]);
  });

  it("contract: builds exactly the requested revision", async () => {
    const e = env();
    const build = await e.request("ok", e.previous.slice(0, 10));
    const done = await e.finished(build.id);
    expect(done).toMatchObject({ status: "succeeded", sha: e.previous });
  });

  it("contract: a failing command fails the build, is named, and nothing after it runs", async () => {
    const e = env();
    const build = await e.request("fails");
    const done = await e.finished(build.id);
    expect(done).toMatchObject({ status: "failed", failingStep: "exit 3" });
    const byName = Object.fromEntries(done.steps.map((s) => [s.name, s.status]));
    expect(byName.true).toBe("succeeded");
    expect(byName["exit 3"]).toBe("failed");
    expect(["skipped", "pending", undefined]).toContain(byName["echo never"]);
  });

  it("contract: a revision that is not on the branch is refused before anything is stored or queued", async () => {
    const e = env();
    const [handed, stored] = [await e.handedOver(), e.stored()];
    await expect(e.request("ok", e.elsewhere.slice(0, 10))).rejects.toMatchObject({
      code: "REVISION_NOT_ON_BRANCH",
      message: expect.stringContaining("is not on branch main"),
    });
    expect(await e.handedOver()).toBe(handed);
    expect(e.stored()).toBe(stored);
  });

  it("contract: stop ends a running build as cancelled", async () => {
    const e = env();
    const build = await e.request("slow");
    await e.started(build.id);
    await e.stop(build.id);
    const done = await e.finished(build.id);
    expect(done.status).toBe("cancelled");
  });

  it("contract: a build of a repo that deploys sees its secrets and nothing of any deploy", async () => {
    const e = env();
    const done = await e.finished((await e.request("deploys")).id);
    expect(done).toMatchObject({ status: "succeeded", failingStep: null });
  });

  it.each(["production", "staging"] as const)(
    "contract: a deploy to %s runs the deploy commands at its revision, with the previous revision and its environment's secrets only",
    async (environment) => {
      const e = env();
      const deploy = await e.deploy(environment, e.previous, e.tip);
      const done = await e.finished(deploy.id);
      expect(done).toMatchObject({ status: "succeeded", sha: e.previous, failingStep: null, kind: "deploy" });
      const byName = Object.fromEntries(done.steps.map((step) => [step.name, step.status]));
      for (const command of DEPLOYS_REPO.deploy.commands) expect(byName[command]).toBe("succeeded");
      for (const command of DEPLOYS_REPO.commands) expect(byName[command]).toBeUndefined();
    },
  );
}
