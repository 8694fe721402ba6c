import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, chown, mkdir, open, readFile, writeFile } from "node:fs/promises";
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
  GROUPS,
  KEY_STEAL,
  KEY_STORE,
  KILLER,
  SIDE_ATTACKS,
  VICTIM,
} from "./hostile-build-scripts.js";
import { markedProcesses, newMarker } from "./marked-processes.js";
import { processAlive } from "./process-alive.js";
import { ServiceProcess, waitFor } from "./service-process.js";
import { createSystemUser, type SystemUser } from "./system-user.js";
import { assertUserNamespaces, handOver, takeBack, type UnprivilegedUser } from "./unprivileged-user.js";

// Real builds on a shared, loaded 2-core machine: generous safety nets (nothing asserts on time).
const waitLong: typeof waitFor = (what, probe) => waitFor(what, probe, 180_000);

const TOKEN = "hostile-slash-token-0123456789abcdef";
const alice = { id: "uid-alice", name: "alice" };
const sha256 = (text: string | Buffer): string => createHash("sha256").update(text).digest("hex");

type Mode = "bwrap" | "none";

/** Where the test leaves slashbuild a descriptor open (past Node's own marking of 0-15, behind a gap). */
const INHERITED_FD = 40;

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
    const groupsMarker = newMarker(`groups-${mode}`);
    let repo: GitRepoFixture;
    let dir: string;
    let dataDir: string;
    let witness: string;
    let service: ServiceProcess;
    /** Issue 18's witnesses: the config's backup, the group's file, the inherited descriptor's file. */
    let configBackup: string;
    let groupSecret: string;
    let fdTarget: string;
    let system: SystemUser | undefined;
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
      // newgidmap, which gives unprivileged builds a group of their own, needs a user of the machine.
      if (user?.switched) system = await createSystemUser(user.uid);
      repo = await GitRepoFixture.create();
      dir = await makeTempDir("slashbuild-hostile-");
      dataDir = path.join(dir, "data");
      witness = path.join(dir, "hook-ran");
      // The config in a directory of its own, inside a path builds may read (as /etc/slashbuild in /etc).
      const confDir = path.join(dir, "conf");
      await mkdir(confDir);
      configBackup = path.join(confDir, "slashbuild.yaml.bak");
      groupSecret = path.join(dir, "group-secret");
      const written = await ServiceProcess.write(confDir, {
        data_dir: "../data",
        log_level: "warn",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the config file's ${ENV} syntax, on purpose
        mattermost: { token: "${SB_SLASH_TOKEN}" },
        runner: { concurrency: 3, sandbox: mode, read_only_paths: [dir] },
        repos: Object.fromEntries(
          [
            ["victim", ["sh ci/victim.sh"], 600],
            ["attacker", ["sh ci/attack.sh 1"], 600],
            ["escaper", [`sh ci/escape.sh ${marker}`], 600],
            ["escaper-timeout", [`sh ci/escape.sh ${marker}`], 10],
            ["killer", ["sh ci/killer.sh"], 600],
            ["key-store", ["sh ci/key-store.sh"], 600],
            ["key-steal", ["sh ci/key-steal.sh"], 600],
            ["groups", [`sh ci/groups.sh ${groupsMarker}`], 600],
          ].map(([name, commands, timeout]) => [
            name,
            {
              url: repo.dir,
              branch: "main",
              commands,
              timeout,
              // What an attacker can easily learn (paths are no secret); the pid is committed below.
              env: {
                SB_DATA: dataDir,
                SB_CONFIG: path.join(confDir, "slashbuild.yaml"),
                SB_WITNESS: witness,
                SB_GROUP_SECRET: groupSecret,
              },
            },
          ]),
        ),
      });
      await writeFile(configBackup, await readFile(written.configFile));
      await chmod(configBackup, 0o644);
      if (user) await handOver(user, dir);
      // Readable by slashbuild's group only (root:slashbuild 640), where builds can see it.
      await writeFile(groupSecret, "only slashbuild's group reads this\n", { mode: 0o640 });
      await chown(groupSecret, 0, slashbuildIds.gid);
      await chmod(dir, 0o755);
      // A file in a directory only the test may enter, and slashbuild given a descriptor open on it.
      const privateDir = await makeTempDir("slashbuild-hostile-private-");
      fdTarget = path.join(privateDir, "target");
      const inherited = await open(fdTarget, "a", 0o600);
      // The service holds the token in its environment, as with `token: ${SB_SLASH_TOKEN}` in production;
      // and it has a session keyring of its own, as a systemd service has.
      service = new ServiceProcess(
        written.configFile,
        written.port,
        { SB_SLASH_TOKEN: TOKEN, ...(user?.switched ? { HOME: dir } : {}) },
        user?.switched ? user : undefined,
        { launcher: ["keyctl", "session", "-"], fds: { [INHERITED_FD]: inherited.fd } },
      );
      try {
        await service.start();
      } finally {
        await inherited.close();
      }
      await commit("hostile", {
        "ci/attack.sh": ATTACK,
        "ci/killer.sh": KILLER,
        "ci/victim.sh": VICTIM,
        "ci/escape.sh": ESCAPE,
        "ci/key-store.sh": KEY_STORE,
        "ci/key-steal.sh": KEY_STEAL,
        "ci/groups.sh": GROUPS,
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
      if (fdTarget) await removeDir(path.dirname(fdTarget));
      await system?.remove();
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
      expect([...said.keys()].sort()).toEqual([...FILE_ATTACKS, ...SIDE_ATTACKS].sort());

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
      // And what it says itself.
      const verdicts = Object.fromEntries(FILE_ATTACKS.map((name) => [name, said.get(name)?.split(" ")[0]]));
      expect(verdicts).toEqual(
        Object.fromEntries(FILE_ATTACKS.map((name) => [name, sandboxed ? "DENIED" : "OK"])),
      );

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

    it("cannot read what lies beside the config, nor a file of slashbuild's group, nor write through a descriptor slashbuild inherited", async () => {
      const said = attackResults(attackLog);
      // What is true from outside, whatever the attacker says.
      const outside = {
        "config-sibling": said.get("config-sibling") === `OK ${sha256(await readFile(configBackup))}`,
        "group-read": said.get("group-read") === `OK ${sha256(await readFile(groupSecret))}`,
        "fd-write": (await readFile(fdTarget, "utf8")).includes("PWNED-FD"),
      };
      // Unsandboxed, a build is slashbuild's own process: it reads what slashbuild reads. The
      // inherited descriptor is closed at start-up whatever the sandbox (its test with the
      // closing off: test/integration/backends/local/inherited-descriptors.test.ts).
      expect(outside).toEqual({ "config-sibling": !sandboxed, "group-read": !sandboxed, "fd-write": false });
      expect(said.get("fd-write")).toBe("DENIED");
    });

    it("cannot read a key another repo's earlier build stored in the kernel keyring", async () => {
      const store = await build("key-store");
      expect(await finished(store)).toBe("succeeded");
      const steal = await build("key-steal");
      expect(await finished(steal)).toBe("succeeded");
      const stored = attackResults(await stepLog(store)).get("key-store");
      const read = attackResults(await stepLog(steal)).get("key-read");
      if (sandboxed) {
        expect([stored, read]).toEqual(["DENIED", "DENIED"]);
      } else {
        // The second build printed the hash of the random value only the first one knew.
        expect(stored).toMatch(/^OK [0-9a-f]{64}$/);
        expect(read).toBe(stored);
      }
    });

    it("runs with none of slashbuild's groups, as the host sees its process", async () => {
      const id = await build("groups");
      await waitLong("the build to wait", async () => (await stepLog(id)).includes("GROUPS-WAITING"));
      // The build's own process, whose last argument is the marker (bwrap's and its launchers'
      // carry it inside the step's command).
      const [pid] = await waitLong("its process", async () => {
        const found: number[] = [];
        for (const candidate of markedProcesses(groupsMarker)) {
          const argv = (await readFile(`/proc/${candidate}/cmdline`, "utf8").catch(() => "")).split("\0");
          if (argv.at(-2) === groupsMarker) found.push(candidate); // the cmdline ends with a NUL
        }
        return found.length > 0 ? found : undefined;
      });
      const status = await readFile(`/proc/${pid}/status`, "utf8");
      const gids = (/^Gid:\s+(.*)$/m.exec(status)?.[1] ?? "").trim().split(/\s+/).map(Number);
      const groups = (/^Groups:[ \t]*(.*)$/m.exec(status)?.[1] ?? "")
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map(Number);
      await writeFile(path.join(dataDir, "workspaces", String(id), "release"), "");
      expect(await finished(id)).toBe("succeeded");
      if (!sandboxed) {
        expect(gids).toEqual([slashbuildIds.gid, slashbuildIds.gid, slashbuildIds.gid, slashbuildIds.gid]);
        return;
      }
      // As root: runner.build_gid (65534 by default). Unprivileged: the user's subordinate gid.
      const expected = user ? (system?.subgid ?? gids[0]) : 65534;
      expect(gids).toEqual([expected, expected, expected, expected]);
      expect(gids).not.toContain(slashbuildIds.gid);
      expect(groups).toEqual([]);
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
