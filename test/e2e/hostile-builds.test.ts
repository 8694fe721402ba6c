import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { sendSlashCommand } from "../fakes/send-slash-command.js";
import { GitRepoFixture, makeTempDir, removeDir } from "../helpers/git-repo.js";
import { markedProcesses, newMarker } from "../helpers/marked-processes.js";
import { processAlive } from "../helpers/process-alive.js";
import { ServiceProcess, waitFor } from "../helpers/service-process.js";

// Real builds on a shared, loaded 2-core machine: generous safety nets (nothing asserts on time).
vi.setConfig({ testTimeout: 240_000 });
const waitLong: typeof waitFor = (what, probe) => waitFor(what, probe, 180_000);

/**
 * Hostile builds (issue 8): a user allowed to build one repo puts commands of their own in it and
 * attacks slashbuild from inside a real build on the embedded runner, run by the real binary.
 * Every attempt must fail with the sandbox; the same suite with `runner.sandbox: none` shows each
 * attempt succeeding, so it can tell the difference. Each attack prints
 * `RESULT <name> OK <evidence>` or `RESULT <name> DENIED`; whatever can be checked from outside
 * (files written, the database, processes) is checked from outside too.
 */

const TOKEN = "hostile-slash-token-0123456789abcdef";
const alice = { id: "uid-alice", name: "alice" };
const sha256 = (text: string | Buffer): string => createHash("sha256").update(text).digest("hex");

/** Finds slashbuild by its command line, or uses the host pid the test committed. */
const DISCOVER = `
target=$(cat ci/target-pid 2>/dev/null)
found=""
for d in /proc/[0-9]*; do
  if tr '\\0' ' ' < "$d/cmdline" 2>/dev/null | grep -q "slashbuild[.]js serve"; then found="\${d#/proc/}"; fi
done
echo "slashbuild seen as pid: \${found:-none} (its host pid is $target)"
pid="\${found:-$target}"
`;

const ATTACK = `#!/bin/sh
victim="$1"
res() { echo "RESULT $1 $2"; }
h() { sha256sum | cut -c1-64; }
${DISCOVER}
cfg=$(tr '\\0' '\\n' < "/proc/$pid/cmdline" 2>/dev/null | sed -n '/^--config$/{n;p;}')
echo "config path from /proc/$pid/cmdline: \${cfg:-unreadable}; trying $SB_CONFIG too"
for f in "$cfg" "$SB_CONFIG"; do [ -n "$f" ] && [ -r "$f" ] && { res config "OK $(h < "$f")"; break; }; done
[ -r "$SB_CONFIG" ] || [ -r "$cfg" ] || res config DENIED
if tr '\\0' '\\n' < "/proc/$pid/environ" 2>/dev/null | grep -q '^SB_SLASH_TOKEN='; then
  res environ "OK $(tr '\\0' '\\n' < "/proc/$pid/environ" | sed -n 's/^SB_SLASH_TOKEN=//p' | h)"
else res environ DENIED; fi
data="$SB_DATA"
if [ "$(head -c 15 "$data/slashbuild.db" 2>/dev/null)" = "SQLite format 3" ]; then res db-read OK; else res db-read DENIED; fi
if [ -e "$data/slashbuild.db" ] && python3 -c "
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], timeout=10)
n = c.execute(\\"update builds set reason='PWNED-DB' where id=?\\", (int(sys.argv[2]),)).rowcount
c.commit()
sys.exit(0 if n == 1 else 1)" "$data/slashbuild.db" "$victim" 2>/dev/null; then res db-write OK; else res db-write DENIED; fi
if echo planted > "$data/PLANTED" 2>/dev/null; then res data-write OK; else res data-write DENIED; fi
log="$data/logs/$victim/0.log"
if grep -q VICTIM-LOG-LINE "$log" 2>/dev/null; then res log-read OK; else res log-read DENIED; fi
if [ -f "$log" ] && echo PWNED-LOG >> "$log" 2>/dev/null; then res log-append OK; else res log-append DENIED; fi
ws="$data/workspaces/$victim/ci/build.sh"
if [ -f "$ws" ] && echo "echo PWNED-WS" >> "$ws" 2>/dev/null; then res workspace-append OK; else res workspace-append DENIED; fi
hooks="$data/git/victim.git/hooks"
if [ -d "$hooks" ] && printf '#!/bin/sh\\ntouch %s\\n' "$SB_WITNESS" > "$hooks/reference-transaction" 2>/dev/null && chmod +x "$hooks/reference-transaction"; then
  res hook-plant OK; else res hook-plant DENIED; fi
echo ATTACK-DONE
`;

const KILLER = `#!/bin/sh
${DISCOVER}
if kill -9 "$pid" 2>/dev/null; then echo "RESULT kill OK"; else echo "RESULT kill DENIED"; fi
sleep 1
`;

const VICTIM = `#!/bin/sh
echo VICTIM-LOG-LINE
while [ ! -e release ]; do sleep 0.1; done
echo "build.sh now reads:"; cat ci/build.sh
`;

/** A grandchild in a session of its own, carrying the marker; then the step waits. */
const ESCAPE = `#!/bin/sh
setsid sh -c 'touch escaped; sleep 300; true' "$1" > /dev/null 2>&1 &
# Once it has written this, it runs in its own session: out of the step's process group.
while [ ! -e escaped ]; do sleep 0.05; done
echo ESCAPE-STARTED
sleep 300
`;

const FILE_ATTACKS = [
  "config",
  "environ",
  "db-read",
  "db-write",
  "data-write",
  "log-read",
  "log-append",
  "workspace-append",
  "hook-plant",
] as const;

type Mode = "bwrap" | "none";

describe.each<Mode>(["bwrap", "none"])("hostile builds with runner.sandbox: %s", (mode) => {
  const sandboxed = mode === "bwrap";
  const marker = newMarker(`hostile-${mode}`);
  let repo: GitRepoFixture;
  let dir: string;
  let dataDir: string;
  let witness: string;
  let service: ServiceProcess;

  beforeAll(async () => {
    repo = await GitRepoFixture.create();
    dir = await makeTempDir("slashbuild-hostile-");
    dataDir = path.join(dir, "data");
    witness = path.join(dir, "hook-ran");
    service = await ServiceProcess.write(dir, {
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
    // The service holds the token in its environment, as with `token: ${SB_SLASH_TOKEN}` in production.
    service = new ServiceProcess(service.configFile, service.port, { SB_SLASH_TOKEN: TOKEN });
    await service.start();
    await repo.commit({
      message: "hostile",
      files: {
        "ci/attack.sh": ATTACK,
        "ci/killer.sh": KILLER,
        "ci/victim.sh": VICTIM,
        "ci/escape.sh": ESCAPE,
        "ci/build.sh": "echo original build script\n",
        "ci/target-pid": `${service.pid}\n`,
      },
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

  function results(log: string): Map<string, string> {
    const found = new Map<string, string>();
    for (const [, name, verdict] of log.matchAll(/^RESULT (\S+) (.*)$/gm))
      found.set(name ?? "", verdict ?? "");
    return found;
  }

  it("cannot read the config, slashbuild's environment, the database, other builds' logs and workspaces, nor write any of them or data_dir, nor plant a hook", async () => {
    const victim = await build("victim");
    expect(victim).toBe(1);
    await waitLong("the victim to run", async () => (await stepLog(victim)).includes("VICTIM-LOG-LINE"));
    const attacker = await build("attacker");
    await finished(attacker);
    const log = await stepLog(attacker);
    const said = results(log);
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

  it("never runs a planted hook in slashbuild's own git, even where the build could plant one", async () => {
    // A new commit makes the next fetch of the victim's mirror update refs: reference-transaction time.
    await repo.commit({ message: "after the attack", files: { "ci/release-now": "x\n" } });
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
    await repo.commit({ message: "the pid after the restart", files: { "ci/target-pid": `${pid}\n` } });
    const id = await build("killer");
    if (sandboxed) {
      expect(await finished(id)).toBe("succeeded");
      expect(results(await stepLog(id)).get("kill")).toBe("DENIED");
      expect(processAlive(pid)).toBe(true);
    } else {
      // Its log says nothing more: slashbuild, which writes the logs, is dead.
      await waitLong("slashbuild to be killed", () => !processAlive(pid));
    }
  });
});
