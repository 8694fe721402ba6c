import { expect, it } from "vitest";
import type { Build } from "../../src/core/build.js";
import type { BuildService } from "../../src/core/build-service.js";
import { requestNew } from "../fakes/request-new.js";

/**
 * What every BuildBackend must do, seen through the BuildService (the port's only consumer).
 * Each implementation's test file provides an environment with three repos configured:
 *   ok:    ["git rev-parse HEAD"]            (succeeds)
 *   fails: ["true", "exit 3", "echo never"]  (fails at the second command)
 *   slow:  ["sleep 60"]                      (runs until stopped)
 * all on a repository whose `main` has at least two commits.
 */
export interface BackendContractEnv {
  /** Requests a build of `repo` on `main` (at `revision` when given), as alice. */
  request(repo: "ok" | "fails" | "slow", revision?: string): Promise<Build>;
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

/** `request` and `stop` through `service`, as chat does them: alice in ~ci, on `main`. */
export function viaService(service: BuildService): Pick<BackendContractEnv, "request" | "stop"> {
  const alice = { id: "uid-alice", name: "alice" };
  return {
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
}
