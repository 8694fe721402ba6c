import { readFile } from "node:fs/promises";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendSlashCommand } from "../fakes/send-slash-command.js";
import { GitRepoFixture, makeTempDir, removeDir } from "./git-repo.js";
import { ServiceProcess, waitFor } from "./service-process.js";
import { mountSmallFilesystem, type SmallFilesystem } from "./small-filesystem.js";
import { assertUserNamespaces, handOver, takeBack, type UnprivilegedUser } from "./unprivileged-user.js";

// Real builds on a shared, loaded 2-core machine: generous safety nets (nothing asserts on time).
const waitLong: typeof waitFor = (what, probe) => waitFor(what, probe, 180_000);

const TOKEN = "limits-slash-token-0123456789abcdef";
const alice = { id: "uid-alice", name: "alice" };
const MIB = 1024 ** 2;

/** 1 MiB every 0.1 s until the workspace's filesystem is full, then holds all but 16 KiB of it. */
const HOG = [
  'i=0; while head -c 1048576 /dev/zero > "fill$i" 2>/dev/null; do i=$((i+1)); sleep 0.1; done',
  "rm fill0; avail=$(df -B1 --output=avail . | tail -n 1); head -c $((avail - 16384)) /dev/zero > pad",
  "echo HOG-FULL; sleep 600",
].join("\n");
/** 48 MiB into /tmp; says how much it holds. */
const TMP_WRITER = 'head -c 50331648 /dev/zero > /tmp/fill 2>/dev/null; echo "HELD $(wc -c < /tmp/fill)"';
/** 192 MiB into /tmp, which no rlimit counts; says so only if it got there. */
const GREEDY = "head -c 201326592 /dev/zero > /tmp/fill && echo WROTE-ALL";

/**
 * Issue 18's limits, attacked from real builds run by the real binary, each with its defence on
 * and off: limits.disk (a hog filling a 64 MiB runner.workspaces_dir, and another build's
 * checkout), limits.tmpfs (48 MiB into /tmp), limits.memory (192 MiB into /tmp, which only a
 * cgroup counts). `user`: slashbuild runs as that non-root user, where no cgroup can be had on a
 * machine that does not delegate one to it: that must be said at start and on the build's page.
 */
export function describeBuildLimits(user?: UnprivilegedUser): void {
  const who = user ? `unprivileged (uid ${user.uid})` : `as uid ${process.getuid?.() ?? 0}`;

  describe(`build limits, slashbuild ${who}`, () => {
    let repo: GitRepoFixture;
    let dir: string;
    let workspaces: SmallFilesystem;
    let service: ServiceProcess;

    beforeAll(async () => {
      if (user) assertUserNamespaces(user);
      repo = await GitRepoFixture.create();
      dir = await makeTempDir("slashbuild-limits-");
      workspaces = mountSmallFilesystem("64m", "0700");
      const mib = (n: number) => `${n}MiB`;
      const repos: Record<string, { commands: string[]; limits: Record<string, unknown> }> = {
        hog: { commands: [HOG], limits: { disk: mib(8) } },
        "hog-unlimited": { commands: [HOG], limits: { disk: null } },
        victim: { commands: ["test -f README.md"], limits: {} },
        tmp: { commands: [TMP_WRITER], limits: { tmpfs: mib(16) } },
        "tmp-unsized": { commands: [TMP_WRITER], limits: { tmpfs: null } },
        greedy: { commands: [GREEDY], limits: { memory: mib(64), tmpfs: "1GiB" } },
        "greedy-unlimited": { commands: [GREEDY], limits: { memory: null, tmpfs: "1GiB" } },
      };
      const written = await ServiceProcess.write(dir, {
        data_dir: "./data",
        log_level: "info",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the config file's ${ENV} syntax, on purpose
        mattermost: { token: "${SB_SLASH_TOKEN}" },
        web: { read: "public" },
        runner: { concurrency: 3, workspaces_dir: workspaces.dir },
        // The start floor is another defence (test/integration/app/start-floor.test.ts): off here.
        health: { min_free_disk: 1 },
        repos: Object.fromEntries(
          Object.entries(repos).map(([name, spec]) => [
            name,
            { url: repo.dir, branch: "main", timeout: 600, ...spec },
          ]),
        ),
      });
      if (user) await handOver(user, dir, workspaces.dir, repo.dir);
      service = new ServiceProcess(
        written.configFile,
        written.port,
        { SB_SLASH_TOKEN: TOKEN, ...(user?.switched ? { HOME: dir } : {}) },
        user?.switched ? user : undefined,
      );
      await service.start();
    });

    afterAll(async () => {
      await service.stop("SIGTERM");
      if (user) await takeBack(user, workspaces.dir, repo.dir);
      workspaces.unmount();
      await repo.remove();
      await removeDir(dir);
    });

    async function slash(text: string): Promise<string> {
      const outcome = await sendSlashCommand({
        url: `${service.url}/mattermost/command`,
        token: TOKEN,
        text,
        user: alice,
        channel: { id: "chan-ci", name: "ci" },
      });
      return outcome.ok ? String(outcome.response.text) : JSON.stringify(outcome);
    }

    async function build(name: string): Promise<number> {
      const answer = await slash(`${name} --again`);
      const id = /\[#(\d+)\]/.exec(answer)?.[1];
      if (!id) throw new Error(`no build queued: ${answer}`);
      return Number(id);
    }

    type Row = { status: string; reason: string | null; external: Record<string, unknown> };
    function row(id: number): Row | undefined {
      const db = new Database(path.join(dir, "data", "slashbuild.db"), {
        readonly: true,
        fileMustExist: true,
      });
      try {
        const found = db.prepare("SELECT status, reason, external FROM builds WHERE id = ?").get(id) as
          | { status: string; reason: string | null; external: string }
          | undefined;
        return found && { ...found, external: JSON.parse(found.external) as Record<string, unknown> };
      } finally {
        db.close();
      }
    }

    const stepLog = (id: number): Promise<string> =>
      readFile(path.join(dir, "data", "logs", String(id), "0.log"), "utf8").catch(() => "");

    const finished = (id: number) =>
      waitLong(`build #${id} to finish`, () => {
        const found = row(id);
        return found && !["queued", "running"].includes(found.status) ? found : undefined;
      });

    it("a build past limits.disk ends with the reason, and another build still checks out", async () => {
      const id = await build("hog");
      const hog = await finished(id);
      expect(hog.status).toBe("failed");
      expect(hog.reason).toMatch(/^the workspace took more than limits\.disk \(8\.4 MB\) on disk/);
      expect(await stepLog(id)).toContain("[slashbuild: the workspace took more than limits.disk");
      const page = await (await fetch(`${service.url}/builds/${id}`)).text();
      expect(page).toContain("the workspace took more than limits.disk");
      expect((await finished(await build("victim"))).status).toBe("succeeded");
    });

    it("without limits.disk the hog fills the workspaces' filesystem and another build cannot check out", async () => {
      const hog = await build("hog-unlimited");
      await waitLong("the hog to fill the filesystem", async () => (await stepLog(hog)).includes("HOG-FULL"));
      const victim = await finished(await build("victim"));
      expect(victim.status).toBe("failed");
      expect(victim.reason).toMatch(/could not (check out the commit|create the working copy)/);
      await slash(`stop ${hog}`);
      expect((await finished(hog)).status).toBe("cancelled");
    });

    it("cannot put more than limits.tmpfs into /tmp, and puts all of it there unsized", async () => {
      const sized = await build("tmp");
      expect((await finished(sized)).status).toBe("succeeded");
      expect(await stepLog(sized)).toContain(`HELD ${16 * MIB}`);
      const unsized = await build("tmp-unsized");
      expect((await finished(unsized)).status).toBe("succeeded");
      expect(await stepLog(unsized)).toContain(`HELD ${48 * MIB}`);
    });

    if (!user) {
      it("runs each step in a cgroup whose limits.memory counts /tmp: the write is killed, and the build says why", async () => {
        const greedy = await finished(await build("greedy"));
        expect(greedy.status).toBe("failed");
        expect(greedy.reason).toMatch(/killed .* for using more than limits\.memory \(67\.1 MB\)/);
        expect(greedy.external).toMatchObject({ sandbox: "bwrap", cgroup: expect.stringMatching(/^v[12]$/) });
        const unlimited = await build("greedy-unlimited");
        expect((await finished(unlimited)).status).toBe("succeeded");
        expect(await stepLog(unlimited)).toContain("WROTE-ALL");
      });
    } else {
      it("says at start that it has no cgroup and what that gives up, and the build's page says so", async () => {
        expect(service.stdout + service.stderr).toMatch(
          /builds run without a cgroup of their own \(cgroup v2: .*; cgroup v1: .*\): limits\.memory is then a per-process/,
        );
        const id = await build("greedy");
        const greedy = await finished(id);
        // Without a cgroup, tmpfs pages count against no memory limit: issue 18's finding, documented.
        expect(greedy.status).toBe("succeeded");
        expect(greedy.external).toMatchObject({ sandbox: "bwrap", cgroup: "none" });
        expect(await (await fetch(`${service.url}/builds/${id}`)).text()).toContain(">no cgroup</span>");
      });
    }
  });
}
