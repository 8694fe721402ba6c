import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { chmod, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { FakeMattermost } from "../fakes/fake-mattermost.js";
import { sendSlashCommand } from "../fakes/send-slash-command.js";
import { type BuildbotHarness, buildbotInstalled, startBuildbot } from "../helpers/buildbot-harness.js";
import { GitRepoFixture, makeTempDir, removeDir } from "../helpers/git-repo.js";
import { BIN, freePort, ServiceProcess, waitFor } from "../helpers/service-process.js";

/**
 * Issue 20's "done means", with the `slashbuild` binary, a real git repository and a fake
 * Mattermost (webhook mode: approvals by command): a green build, a deploy request, a
 * self-approval refused and another approver's approval, the deploy running, `/build envs` and the
 * environments page showing it, a lock refusing another user, a freeze refusing, a rollback
 * restoring the previous revision. The same walk runs on the sandboxed embedded runner and on a
 * real Buildbot master and worker (Debian's), whose master.cfg is the binary's `buildbot-config`
 * of the same file. Then, on the embedded runner, a crash (SIGKILL) mid-deploy: what waited
 * survives, the cut deploy is reported interrupted, and its environment never held its revision.
 */

type Backend = "local" | "buildbot";

const TOKEN = "e2e-deploy-slash-token-0123456789";
const alice = { id: "uid-alice", name: "alice" };
const bob = { id: "uid-bob", name: "bob" };
const carol = { id: "uid-carol", name: "carol" };

let mattermost: FakeMattermost;
let repo: GitRepoFixture;
let dir: string;
let observed: string;
let service: ServiceProcess;
let buildbot: BuildbotHarness | null = null;

beforeAll(async () => {
  mattermost = await FakeMattermost.start();
});

afterAll(async () => {
  await mattermost.close();
});

beforeEach(async () => {
  repo = await GitRepoFixture.create();
  dir = await makeTempDir("slashbuild-e2e-deploy-");
  observed = await makeTempDir("slashbuild-e2e-deploy-out-");
  await chmod(observed, 0o777);
  mattermost.posts.length = 0;
});

afterEach(async () => {
  await service?.stop("SIGKILL");
  await buildbot?.close();
  buildbot = null;
  for (const folder of [dir, observed, repo.dir]) await removeDir(folder);
});

function slashbuildConfig(backend: Backend): Record<string, unknown> {
  return {
    data_dir: path.join(dir, "data"),
    log_level: "warn",
    runner: { writable_paths: [observed] },
    web: { read: "public" },
    mattermost: { token: TOKEN, webhook_url: mattermost.addIncomingWebhook("ci"), admins: ["root"] },
    delivery: { initial_backoff: "100ms", max_backoff: "1s" },
    repos: {
      app: {
        url: repo.dir,
        branch: "main",
        backend,
        commands: ["true"],
        env: { OUT: observed },
        deploy: {
          commands: [
            'echo "$SLASHBUILD_ENVIRONMENT $SLASHBUILD_REVISION $SLASHBUILD_PREVIOUS_REVISION" >> "$OUT/deployed"',
            'if [ -e "$OUT/hold" ]; then sleep 300; fi',
          ],
          environments: {
            production: { branches: ["main"], approvals: 1, approvers: ["bob", "carol"] },
            staging: {},
            qa: {},
            weekend: { freeze: ["* * * * *"] },
          },
        },
      },
    },
  };
}

async function serve(backend: Backend = "local"): Promise<ServiceProcess> {
  if (backend === "local") {
    service = await ServiceProcess.write(dir, slashbuildConfig(backend));
  } else {
    const port = await freePort();
    const file = path.join(dir, "slashbuild.yaml");
    // The master runs what `slashbuild buildbot-config` prints for the very file `serve` reads.
    buildbot = await startBuildbot({
      user: { name: "slashbuild", password: "bb-e2e-pass" },
      masterCfg: (ports) => {
        const config = {
          listen: `127.0.0.1:${port}`,
          public_url: `http://127.0.0.1:${port}`,
          ...slashbuildConfig(backend),
          buildbot: {
            url: ports.url,
            username: "slashbuild",
            password: "bb-e2e-pass",
            status_secret: "e2e-deploy-status-secret-0123",
            workers: [{ name: ports.workerName, password: ports.workerPassword }],
            worker_port: ports.workerPort,
            follow_interval: "500ms",
          },
        };
        writeFileSync(file, stringify(config));
        return execFileSync(process.execPath, [BIN, "buildbot-config", "--config", file], {
          encoding: "utf8",
        });
      },
    });
    service = new ServiceProcess(file, port);
  }
  await service.start();
  return service;
}

async function say(text: string, user: { id: string; name: string }): Promise<string> {
  const outcome = await sendSlashCommand({
    url: `${service.url}/mattermost/command`,
    token: TOKEN,
    text,
    user,
    channel: { id: "chan-ci", name: "ci" },
  });
  if (!outcome.ok) throw new Error(`slash command failed: ${outcome.error}`);
  return String(outcome.response.text);
}

function post(what: string, pattern: RegExp): Promise<string> {
  return waitFor(what, () =>
    mattermost.posts
      .map((p) => [p.message, ...p.attachments.map((a) => JSON.stringify(a))].join("\n"))
      .find((text) => pattern.test(text)),
  );
}

async function green(id: number): Promise<string> {
  const sha = await repo.commit({ message: `change ${id}` });
  await say("app --again", alice);
  await post(`build #${id} succeeded`, new RegExp(`Build \\[#${id}\\].* succeeded`));
  return sha;
}

async function deployedLines(): Promise<string[]> {
  return (await readFile(path.join(observed, "deployed"), "utf8")).split("\n").filter(Boolean);
}

/** Buildbot is never skipped silently: where it is missing, its walk fails and says how to install it. */
const backends: Backend[] = ["local", "buildbot"];

describe("deploy from chat (the binary)", () => {
  it.each(backends)(
    "walks a deploy from request to rollback on %s: approval, envs, lock, freeze",
    async (backend) => {
      if (backend === "buildbot" && !buildbotInstalled()) {
        throw new Error(
          "Buildbot is missing: run `npm test` (it installs it) or `apt-get install -y buildbot buildbot-worker`",
        );
      }
      await serve(backend);
      const first = await green(1);
      expect(await say("deploy app production", alice)).toMatch(
        /Deploy \[#2\].* to \*\*production\*\* waits for 1 approval/,
      );
      await post(
        "the approval request",
        /@bob @carol \(or an admin\): @alice asks for an approval of Deploy \[#2\]/,
      );
      expect(await say("approve 2", alice)).toMatch(
        /you asked for deploy #2, so someone else must decide on it/,
      );
      expect(await say("approve 2", bob)).toMatch(/You approved deploy \[#2\].*: it deploys now/);
      await post("deploy #2 succeeded", /Deploy \[#2\].*\*\*succeeded\*\*/);
      expect(await deployedLines()).toEqual([`production ${first} `]);
      expect(await say("envs app", carol)).toContain(
        `**app production**: \`${first.slice(0, 10)}\` by @alice (approved by @bob)`,
      );
      const page = await (await fetch(`${service.url}/environments/app`)).text();
      expect(page).toContain(`<code title="${first}">${first.slice(0, 10)}</code>`);

      expect(await say("lock app production release checks", bob)).toMatch(/Locked production of app/);
      expect(await say("deploy app production", carol)).toMatch(
        /production is locked by @bob since .*: release checks/,
      );
      expect(await say("unlock app production", bob)).toMatch(/Unlocked production of app/);
      expect(await say("deploy app weekend", alice)).toMatch(/weekend is frozen \(freeze `\* \* \* \* \*`\)/);

      const second = await green(3);
      expect(await say("deploy app production", alice)).toMatch(/Deploy \[#4\].*waits for 1 approval/);
      await say("approve 4", carol);
      await post("deploy #4 succeeded", /Deploy \[#4\].*\*\*succeeded\*\*/);
      expect(await say("rollback app production", alice)).toMatch(
        /^Rolling back: Deploying `[0-9a-f]{10}`.* to \*\*production\*\* now, as deploy \[#5\]/,
      );
      await post("rollback #5 succeeded", /Rollback \[#5\].*\*\*succeeded\*\*/);
      expect(await deployedLines()).toEqual([
        `production ${first} `,
        `production ${second} ${first}`,
        `production ${first} ${second}`,
      ]);
      expect(await say("envs app", alice)).toContain(
        `**app production**: \`${first.slice(0, 10)}\` by @alice at`,
      );
    },
    // Six builds on a master and worker (and their start) on a shared machine: a safety net only.
    240_000,
  );

  // The embedded runner's own: on Buildbot a deploy outlives slashbuild on the master, as builds do.
  it("after a crash mid-deploy: the cut deploy is interrupted and never held; approvals, queued deploys and locks survive", async () => {
    await serve();
    const first = await green(1);
    const second = await green(2);
    expect(await say("deploy app production #1", alice)).toMatch(/Deploy \[#3\].*waits for 1 approval/);
    await writeFile(path.join(observed, "hold"), "");
    expect(await say("deploy app staging #1", alice)).toMatch(/Deploying .* as deploy \[#4\]/);
    await waitFor("deploy #4 to run", async () =>
      (await deployedLines().catch(() => [])).length > 0 ? true : undefined,
    );
    expect(await say("deploy app staging #2", alice)).toMatch(
      /Deploy \[#5\].* is queued behind deploy \[#4\]/,
    );
    await say("lock app qa maintenance", bob);

    expect(await service.stop("SIGKILL")).toBe(null);
    await rm(path.join(observed, "hold"));
    await service.start();

    await post(
      "deploy #4 interrupted",
      /Deploy \[#4\].*\*\*interrupted\*\*.* staging does not hold this revision/,
    );
    await post("deploy #5 succeeded", /Deploy \[#5\].*\*\*succeeded\*\*/);
    // #5 saw nothing as the previous revision: the interrupted #4 never counted as deployed.
    expect(await deployedLines()).toEqual([`staging ${first} `, `staging ${second} `]);
    const envs = await say("envs app", alice);
    expect(envs).toMatch(
      /\*\*app production\*\*: nothing deployed yet · waiting: \[#3\].*1 approval missing/,
    );
    expect(envs).toContain(`**app staging**: \`${second.slice(0, 10)}\``);
    expect(envs).toMatch(
      /\*\*app qa\*\*: nothing deployed yet · \*\*locked\*\* by @bob since .*: `maintenance`/,
    );
    expect(await say("history app staging", alice)).toMatch(/\[#4\].* by @alice: \*\*interrupted\*\*/);
    expect(await say("approve 3", bob)).toMatch(/it deploys now/);
    await post("deploy #3 succeeded", /Deploy \[#3\].*\*\*succeeded\*\*/);
  });
});
