import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SANDBOX_UID } from "../../src/backends/local/sandbox/sandbox-plan.js";
import { sendSlashCommand } from "../fakes/send-slash-command.js";
import { GitRepoFixture, makeTempDir, removeDir } from "./git-repo.js";
import {
  ATTACK,
  attackIdentity,
  attackResults,
  ESCAPE,
  FILE_ATTACKS,
  KILLER,
  VICTIM,
} from "./hostile-build-scripts.js";
import { markedProcesses, newMarker } from "./marked-processes.js";
import { processAlive } from "./process-alive.js";
import { ServiceProcess, waitFor } from "./service-process.js";
import { assertUserNamespaces, handOver, takeBack, type UnprivilegedUser } from "./unprivileged-user.js";

// Real builds on a shared, loaded 2-core machine: generous safety nets (nothing asserts on time).
const waitLong: typeof waitFor = (what, probe) => waitFor(what, probe, 180_000);

const TOKEN = "hostile-slash-token-0123456789abcdef";
const alice = { id: "uid-alice", name: "alice" };
const sha256 = (text: string | Buffer): string => createHash("sha256").update(text).digest("hex");

type Mode = "bwrap" | "none";

/**
 * Hostile builds (issue 8): a user allowed to build one repo puts commands of their own in it and
 * attacks slashbuild from inside a real build on the embedded runner, run by the real binary.
 * Every attempt must fail with the sandbox; the same suite with `runner.sandbox: none` shows each
 * attempt succeeding, so it can tell the difference. Whatever can be checked from outside (files
 * written, the database, processes) is checked from outside too.
 *
 * `user`: run slashbuild as that non-root user (the sandbox's unprivileged path: bwrap makes the
 * user namespace itself, no setpriv); omitted, as the test's own user.
 */
export function describeHostileBuilds(user?: UnprivilegedUser): void {
  const slashbuildIds = user ?? { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
  const who = user
    ? `unprivileged (uid ${user.uid})`
    : slashbuildIds.uid === 0
      ? "as root (the sandbox's privileged path: bwrap → setpriv → unshare)"
      : `as uid ${slashbuildIds.uid}, not root (NOT the privileged path: run the tests as root to cover it)`;
  // Run without root, the suite "as the test's own user" tests the unprivileged path a second time:
  // say so where a reader of the run looks, rather than passing as if the privileged one held.
  if (!user && slashbuildIds.uid !== 0) {
    beforeAll(() => {
      console.warn(
        `hostile builds: the sandbox's privileged path (bwrap → setpriv → unshare, slashbuild as root) is NOT tested in this run (uid ${slashbuildIds.uid}); run the tests as root to cover it.`,
      );
    });
  }

  describe.each<Mode>(["bwrap", "none"])(`hostile builds, slashbuild ${who}, runner.sandbox: %s`, (mode) => {
    const sandboxed = mode === "bwrap";
    const marker = newMarker(`hostile-${mode}`);
    let repo: GitRepoFixture;
    let dir: string;
    let dataDir: string;
    let witness: string;
    let service: ServiceProcess;
    /** The attacker's step log, from the first test. */
    let attackLog = "";

    /** Commits, then gives the repo to slashbuild's user (a no-op when that is the test's own). */
    async function commit(message: string, files: Record<string, string>): Promise<void> {
      if (user) await takeBack(user, repo.dir);
      await repo.commit({ message, files });
      if (user) await handOver(user, repo.dir);
    }

    beforeAll(async () => {
      if (user) assertUserNamespaces(user);
      repo = await GitRepoFixture.create();
      dir = await makeTempDir("slashbuild-hostile-");
      dataDir = path.join(dir, "data");
      witness = path.join(dir, "hook-ran");
      const written = await ServiceProcess.write(dir, {
        data_dir: "./data",
        log_level: "warn",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the config file's ${ENV} syntax, on purpose
        mattermost: { token: "${SB_SLASH_TOKEN}" },
        runner: { concurrency: 3, sandbox: mode },
        repos: Object.fromEntries(
          [
            ["victim", ["sh ci/victim.sh"], 600],
            ["attacker", ["sh ci/attack.sh 1"], 600],
            ["escaper", [`sh ci/escape.sh ${marker}`], 600],
            ["escaper-timeout", [`sh ci/escape.sh ${marker}`], 10],
            ["killer", ["sh ci/killer.sh"], 600],
          ].map(([name, commands, timeout]) => [
            name,
            {
              url: repo.dir,
              branch: "main",
              commands,
              timeout,
              // What an attacker can easily learn (paths are no secret); the pid is committed below.
              env: { SB_DATA: dataDir, SB_CONFIG: path.join(dir, "slashbuild.yaml"), SB_WITNESS: witness },
            },
          ]),
        ),
      });
      if (user) await handOver(user, dir);
      // The service holds the token in its environment, as with `token: ${SB_SLASH_TOKEN}` in production.
      service = new ServiceProcess(
        written.configFile,
        written.port,
        { SB_SLASH_TOKEN: TOKEN, ...(user?.switched ? { HOME: dir } : {}) },
        user?.switched ? user : undefined,
      );
      await service.start();
      await commit("hostile", {
        "ci/attack.sh": ATTACK,
        "ci/killer.sh": KILLER,
        "ci/victim.sh": VICTIM,
        "ci/escape.sh": ESCAPE,
        "ci/build.sh": "echo original build script\n",
        "ci/target-pid": `${service.pid}\n`,
      });
    });

    afterAll(async () => {
      await service.stop("SIGKILL");
      // Unsandboxed escapees are the test's own: found by its marker.
      for (const pid of markedProcesses(marker)) process.kill(pid, "SIGKILL");
      await repo.remove();
      await removeDir(dir);
    });

    async function build(text: string): Promise<number> {
      const outcome = await sendSlashCommand({
        url: `${service.url}/mattermost/command`,
        token: TOKEN,
        text: `${text} --again`,
        user: alice,
        channel: { id: "chan-ci", name: "ci" },
      });
      const answer = outcome.ok ? String(outcome.response.text) : "";
      const id = /\[#(\d+)\]/.exec(answer)?.[1];
      if (!id) throw new Error(`no build queued: ${JSON.stringify(outcome)}`);
      return Number(id);
    }

    function stop(id: number) {
      return sendSlashCommand({
        url: `${service.url}/mattermost/command`,
        token: TOKEN,
        text: `stop ${id}`,
        user: alice,
        channel: { id: "chan-ci", name: "ci" },
      });
    }

    function row(id: number): { status: string; reason: string | null } | undefined {
      const db = new Database(path.join(dataDir, "slashbuild.db"), { readonly: true, fileMustExist: true });
      try {
        return db.prepare("SELECT status, reason FROM builds WHERE id = ?").get(id) as
          | { status: string; reason: string | null }
          | undefined;
      } finally {
        db.close();
      }
    }

    const stepLog = (id: number): Promise<string> =>
      readFile(path.join(dataDir, "logs", String(id), "0.log"), "utf8").catch(() => "");

    const finished = (id: number) =>
      waitLong(`build #${id} to finish`, () => {
        const status = row(id)?.status;
        return status && !["queued", "running"].includes(status) ? status : undefined;
      });

    it("cannot read the config, slashbuild's environment, the database, other builds' logs and workspaces, nor write any of them or data_dir, nor plant a hook, nor write the repo objects its working copy borrows", async () => {
      const victim = await build("victim");
      expect(victim).toBe(1);
      await waitLong("the victim to run", async () => (await stepLog(victim)).includes("VICTIM-LOG-LINE"));
      const attacker = await build("attacker");
      await finished(attacker);
      attackLog = await stepLog(attacker);
      const said = attackResults(attackLog);
      expect([...said.keys()].sort()).toEqual([...FILE_ATTACKS].sort());

      // What is true from outside, whatever the attacker says.
      const victimWorkspace = path.join(dataDir, "workspaces", String(victim));
      const outside = {
        config: said.get("config") === `OK ${sha256(await readFile(service.configFile))}`,
        environ: said.get("environ") === `OK ${sha256(`${TOKEN}\n`)}`,
        "db-read": said.get("db-read") === "OK",
        "db-write": row(victim)?.reason === "PWNED-DB",
        "data-write": existsSync(path.join(dataDir, "PLANTED")),
        "log-read": said.get("log-read") === "OK",
        "log-append": (await stepLog(victim)).includes("PWNED-LOG"),
        "workspace-append": (await readFile(path.join(victimWorkspace, "ci", "build.sh"), "utf8")).includes(
          "PWNED-WS",
        ),
        "hook-plant": existsSync(path.join(dataDir, "git", "victim.git", "hooks", "reference-transaction")),
        "objects-write": existsSync(path.join(dataDir, "git", "attacker.git", "objects", "PLANTED-OBJECT")),
      };
      const expected = Object.fromEntries(FILE_ATTACKS.map((name) => [name, !sandboxed]));
      expect(outside).toEqual(expected);
      for (const name of FILE_ATTACKS)
        expect(said.get(name)?.startsWith(sandboxed ? "DENIED" : "OK")).toBe(true);

      // The victim finishes normally; its build script is as the repo has it only with the sandbox.
      await writeFile(path.join(victimWorkspace, "release"), "");
      expect(await finished(victim)).toBe("succeeded");
      expect((await stepLog(victim)).includes("PWNED-WS")).toBe(!sandboxed);
    });

    it("runs as neither root nor slashbuild's uid, as the build sees itself", async () => {
      // slashbuild itself runs as the user this suite is about (read from the host's /proc).
      const status = await readFile(`/proc/${service.pid}/status`, "utf8");
      expect(/^Uid:\s+(\d+)/m.exec(status)?.[1]).toBe(String(slashbuildIds.uid));
      const seen = attackIdentity(attackLog);
      if (sandboxed) {
        // Its own user namespace's uid (which host uid that maps to: docs/security.md).
        expect(seen).toEqual({ uid: SANDBOX_UID, gid: SANDBOX_UID });
        expect(seen?.uid).not.toBe(0);
        expect(seen?.uid).not.toBe(slashbuildIds.uid);
      } else {
        expect(seen).toEqual({ uid: slashbuildIds.uid, gid: slashbuildIds.gid });
      }
    });

    it("never runs a planted hook in slashbuild's own git, even where the build could plant one", async () => {
      // A new commit makes the next fetch of the victim's mirror update refs: reference-transaction time.
      await commit("after the attack", { "ci/release-now": "x\n" });
      const next = await build("victim");
      await waitLong("the victim to run", async () => (await stepLog(next)).includes("VICTIM-LOG-LINE"));
      await writeFile(path.join(dataDir, "workspaces", String(next), "release"), "");
      expect(await finished(next)).toBe("succeeded");
      expect(existsSync(witness)).toBe(false);
    });

    it("cannot leave a setsid child running after Stop", async () => {
      const id = await build("escaper");
      await waitLong("the escapee", async () => (await stepLog(id)).includes("ESCAPE-STARTED"));
      await waitLong("the escapee's process", () => markedProcesses(marker).length > 0);
      await stop(id);
      expect(await finished(id)).toBe("cancelled");
      expect(markedProcesses(marker).length > 0).toBe(!sandboxed);
      for (const pid of markedProcesses(marker)) process.kill(pid, "SIGKILL");
    });

    it("cannot leave a setsid child running after the build timeout", async () => {
      const id = await build("escaper-timeout");
      await waitLong("the escapee", async () => (await stepLog(id)).includes("ESCAPE-STARTED"));
      expect(await finished(id)).toBe("timed_out");
      expect(markedProcesses(marker).length > 0).toBe(!sandboxed);
      for (const pid of markedProcesses(marker)) process.kill(pid, "SIGKILL");
    });

    it("cannot leave a setsid child running after slashbuild shuts down", async () => {
      const id = await build("escaper");
      await waitLong("the escapee", async () => (await stepLog(id)).includes("ESCAPE-STARTED"));
      await waitLong("the escapee's process", () => markedProcesses(marker).length > 0);
      await service.stop("SIGTERM");
      expect(markedProcesses(marker).length > 0).toBe(!sandboxed);
      for (const pid of markedProcesses(marker)) process.kill(pid, "SIGKILL");
      await service.start();
      expect(await finished(id)).toBe("interrupted");
    });

    it("cannot SIGKILL slashbuild", async () => {
      const pid = service.pid;
      if (pid === undefined) throw new Error("slashbuild is not running");
      await commit("the pid after the restart", { "ci/target-pid": `${pid}\n` });
      const id = await build("killer");
      if (sandboxed) {
        expect(await finished(id)).toBe("succeeded");
        expect(attackResults(await stepLog(id)).get("kill")).toBe("DENIED");
        expect(processAlive(pid)).toBe(true);
      } else {
        // Its log says nothing more: slashbuild, which writes the logs, is dead.
        await waitLong("slashbuild to be killed", () => !processAlive(pid));
      }
    });
  });
}
