import { afterAll, beforeAll, expect, it } from "vitest";
import { BuildbotLogSource } from "../../../src/backends/buildbot/buildbot-log-source.js";
import { OLD_INTEGRATION_PROJECT } from "../../../src/backends/buildbot/buildbot-properties.js";
import type { BuildbotConfig, BuildbotConfigInput } from "../../../src/config/buildbot-schema.js";
import type { Config } from "../../../src/config/config.js";
import type { Build } from "../../../src/core/build.js";
import type { BuildService } from "../../../src/core/build-service.js";
import { requestNew } from "../../fakes/request-new.js";
import type { TestRepo } from "../../helpers/buildbot-git-repo.js";
import { type BuildbotHarness, describeWithBuildbot } from "../../helpers/buildbot-harness.js";
import { type BuildbotMaster, startBuildbotMaster } from "../../helpers/buildbot-master.js";
import {
  type StatusServer,
  type WiredService,
  waitFor,
  wireService,
} from "../../helpers/buildbot-service.js";

/**
 * One real master and worker, configured by generateMasterCfg, shared by every test here. Periodic
 * reconcile is off (1 h) unless a test calls it, so "by push" really means by push.
 */

const SECRET = "status-secret-0123456789";
const TOKEN = "sekrit-token-value-42";
const alice = { id: "uid-alice", name: "alice" };
const bob = { id: "uid-bob", name: "bob" };
const ci = { id: "chan-ci", name: "ci" };

let master: BuildbotMaster;
let repo: TestRepo;
let harness: BuildbotHarness;
let status: StatusServer;
let config: Config;
let wired: WiredService;

/** slashbuild's buildbot: section for the shared master, triggering by `trigger`. */
function bb(trigger: "force" | "change_hook", overrides: Partial<BuildbotConfigInput> = {}): BuildbotConfig {
  return master.bb({ trigger, ...overrides });
}

function finished(w: WiredService, id: number): Promise<Build> {
  return waitFor(`build #${id} to finish`, () => w.notifier.of(id, "finished")[0]);
}

/** A new build from ~ci; the tests vary the repo, the branch (null: the default) and the revision. */
function request(
  service: BuildService,
  repoName: string,
  branch: string | null = null,
  revision: string | null = null,
) {
  return requestNew(service, { repo: repoName, branch, revision, user: alice, channel: ci });
}

describeWithBuildbot("Buildbot backend against a real master", () => {
  beforeAll(async () => {
    master = await startBuildbotMaster({
      secret: SECRET,
      repos: {
        app: {
          commands: [
            "git rev-parse HEAD",
            'echo "token=$TOKEN"',
            'echo "id=$SLASHBUILD_BUILD_ID user=$SLASHBUILD_USER"',
          ],
          secrets: { TOKEN },
        },
        broken: { commands: ["true", "exit 3", "echo never"] },
        // A '.' in a repo name: Buildbot refuses it in a force scheduler's name.
        "web.site": { commands: ["true"] },
        slow: { commands: ["sleep 60"] },
      },
      settings: {
        trigger: "force",
        reconcile_interval: "1h",
        follow_interval: "1h",
        project: OLD_INTEGRATION_PROJECT,
      },
    });
    ({ repo, harness, status, config } = master);
    wired = master.wire();
  });

  afterAll(async () => {
    await master?.close();
  });

  it("generated master.cfg passes buildbot checkconfig", async () => {
    const result = await harness.checkconfig(master.masterCfg);
    expect(result.output).toContain("Config file is good!");
    expect(result.ok).toBe(true);
  });

  it("force: builds the branch tip and reports start and finish by push, with Buildbot's link", async () => {
    const build = await request(wired.service, "app");
    const done = await finished(wired, build.id);
    expect(done).toMatchObject({ status: "succeeded", sha: repo.tip, failingStep: null });
    expect(wired.notifier.of(build.id, "started")).toHaveLength(1);
    expect(done.steps.map((s) => [s.name, s.status])).toEqual([
      ["checkout", "succeeded"],
      ["git rev-parse HEAD", "succeeded"],
      ['echo "token=$TOKEN"', "succeeded"],
      ['echo "id=$SLASHBUILD_BUILD_ID user=$SLASHBUILD_USER"', "succeeded"],
    ]);
    const { builderid, number, buildrequestid, buildsetid, url } = done.external as Record<
      string,
      number | string
    >;
    expect(typeof buildrequestid).toBe("number");
    expect(typeof buildsetid).toBe("number");
    expect(url).toBe(`${harness.url}/#/builders/${builderid}/builds/${number}`);
    expect(status.pushes).toBeGreaterThanOrEqual(2);
  });

  it("checks out exactly the requested revision, passes env, and keeps secrets out of logs", async () => {
    const build = await request(wired.service, "app", "main", repo.first);
    const done = await finished(wired, build.id);
    expect(done).toMatchObject({ status: "succeeded", sha: repo.first });
    const logs = new BuildbotLogSource({ client: wired.backend.client, config });
    const revParse = await logs.read(done, 1);
    expect(revParse).toContain(`\n${repo.first}\n`);
    expect(revParse).not.toContain(repo.tip);
    const secretLog = await logs.read(done, 2);
    expect(secretLog).toContain("token=");
    expect(secretLog).not.toContain(TOKEN);
    expect(await logs.read(done, 3)).toContain(`id=${build.id} user=alice`);
  });

  it("builds a repo whose name holds a '.' through its force scheduler", async () => {
    const build = await request(wired.service, "web.site");
    const done = await finished(wired, build.id);
    expect(done).toMatchObject({ status: "succeeded", repo: "web.site" });
    expect(typeof done.external.buildrequestid).toBe("number");
  });

  it("names the failing step of a failed build", async () => {
    const build = await request(wired.service, "broken");
    const done = await finished(wired, build.id);
    expect(done).toMatchObject({ status: "failed", failingStep: "exit 3" });
    expect(done.steps.map((s) => s.status)).toEqual(["succeeded", "succeeded", "failed", "skipped"]);
  });

  it("change_hook: triggers through /change_hook/base with the old project naming, correlated by property", async () => {
    const hooked = master.wire({ trigger: "change_hook" });
    try {
      const build = await request(hooked.service, "app", "dev");
      const done = await finished(hooked, build.id);
      expect(done).toMatchObject({ status: "succeeded", sha: repo.dev });
      expect(done.external).toMatchObject({ trigger: "change_hook", buildid: expect.any(Number) });
    } finally {
      status.receivers.delete(hooked.backend);
      await hooked.backend.close();
    }
  });

  it("follows a running build (start post with sha, step progress), refuses forged pushes, stops a waiting request and the running build", async () => {
    const live = master.wire({ trigger: "force", follow_interval: "200ms" });
    const build = await request(live.service, "slow");
    const running = await waitFor("slow build to run", () => {
      const b = live.service.getBuild(build.id);
      return b.steps[1]?.status === "running" ? b : undefined;
    });
    expect(live.notifier.of(build.id, "started").map((b) => b.sha)).toEqual([repo.tip]);
    const forged = {
      buildid: running.external.buildid,
      number: running.external.number,
      builderid: running.external.builderid,
      buildrequestid: running.external.buildrequestid,
      complete: true,
      results: 0,
      state_string: "build successful",
      started_at: 1,
      complete_at: 2,
      properties: { slashbuild_build_id: [String(build.id), "Force Build Form"] },
    };
    const forgeries: Record<string, string>[] = [
      {},
      { authorization: `Basic ${Buffer.from("buildbot:wrong-secret-000000").toString("base64")}` },
      { "x-slashbuild-secret": "wrong" },
    ];
    for (const headers of forgeries) {
      const answer = await fetch(status.url, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify(forged),
      });
      expect(answer.status).toBe(401);
    }
    expect(live.service.getBuild(build.id).status).toBe("running");
    expect(live.notifier.of(build.id, "finished")).toHaveLength(0);

    // The builder's one worker is busy: a second build waits as a Buildbot build request.
    const waiting = await request(live.service, "slow");
    await waitFor("build request id", () => live.service.getBuild(waiting.id).external.buildrequestid);
    await live.service.stopBuild(waiting.id, bob);
    const dropped = await finished(live, waiting.id);
    expect(dropped).toMatchObject({ status: "cancelled", startedAt: null });
    expect(dropped.reason).toContain("before any worker started it");
    expect(live.notifier.of(waiting.id, "started")).toHaveLength(0);

    await live.service.stopBuild(build.id, alice);
    const done = await finished(live, build.id);
    expect(done.status).toBe("cancelled");
    expect(done.reason).toContain("stopped from chat by @alice");
    expect(done.steps[1]?.status).toBe("cancelled");
    status.receivers.delete(live.backend);
    await live.backend.close();
  });

  it("rebuild: builds the same commit again as a new build", async () => {
    const original = await request(wired.service, "app", "main", repo.first);
    await finished(wired, original.id);
    const { build: again } = await wired.service.rebuild(original.id, alice, ci, { again: true });
    const done = await finished(wired, again.id);
    expect(done).toMatchObject({ status: "succeeded", sha: repo.first, rebuildOf: original.id });
    expect(done.external.buildid).not.toBe(wired.service.getBuild(original.id).external.buildid);
  });

  it("a push lost while slashbuild was down is recovered by reconcile at the next start", async () => {
    status.down = true;
    const before = wireService(config, bb("force"));
    const build = await request(before.service, "app");
    const brid = await waitFor(
      "build request id",
      () => before.service.getBuild(build.id).external.buildrequestid,
    );
    await before.backend.close(); // slashbuild goes away; Buildbot builds on, its pushes are lost
    await waitFor("Buildbot to finish the build", async () => {
      const builds = await before.backend.client.buildsForRequest(brid as number);
      return builds.at(-1)?.complete;
    });
    expect(before.service.getBuild(build.id).status).toBe("queued");
    status.down = false;

    const after = wireService(config, bb("force"), before.store); // restart on the same database
    await after.service.recover();
    const done = after.service.getBuild(build.id);
    expect(done).toMatchObject({ status: "succeeded", sha: repo.tip });
    expect(after.notifier.of(build.id, "started")).toHaveLength(1);
    expect(after.notifier.of(build.id, "finished")).toHaveLength(1);
    await after.backend.close();
  });

  it("periodic reconcile finishes a build whose pushes never arrived", async () => {
    status.down = true;
    const quiet = wireService(config, bb("force", { reconcile_interval: "200ms" }));
    try {
      const build = await request(quiet.service, "app");
      const done = await finished(quiet, build.id);
      expect(done).toMatchObject({ status: "succeeded", sha: repo.tip });
    } finally {
      status.down = false;
      await quiet.backend.close();
    }
  });

  it("wrong credentials: a clear refusal, nothing queued", async () => {
    const wrong = wireService(config, bb("force", { password: "not-the-password" }));
    const attempt = request(wrong.service, "app");
    await expect(attempt).rejects.toMatchObject({
      code: "BACKEND_UNAVAILABLE",
      message: expect.stringMatching(
        /refused slashbuild's login as `slashbuild` \(HTTP 401\).*buildbot\.password/,
      ),
    });
    expect(wrong.notifier.posts).toHaveLength(0);
    expect(wrong.backend.trackedIds).toEqual([]);
    await wrong.backend.close();
  });
});
