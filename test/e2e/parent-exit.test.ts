import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FakeMattermost } from "../fakes/fake-mattermost.js";
import { sendSlashCommand } from "../fakes/send-slash-command.js";
import { GitRepoFixture } from "../helpers/git-repo.js";
import { processAlive } from "../helpers/process-alive.js";
import { BIN, ServiceProcess, waitFor } from "../helpers/service-process.js";
import { tempDirPerTest } from "../helpers/temp-dir-per-test.js";

/**
 * Issue 22 item 12: `npm start` and `npx slashbuild serve` put a process between the shell and
 * slashbuild that does not pass signals on, so `kill <its pid>` used to leave slashbuild running.
 * Here the parent is a real shell that started `slashbuild serve` in the background; it is killed
 * (SIGKILL: it passes nothing on, like npm), and slashbuild must notice and shut down cleanly.
 */

const TOKEN = "parent-exit-slash-token-0123456789";
const newDir = tempDirPerTest("slashbuild-parent-");
let parent: ChildProcess | undefined;
let servicePid: number | undefined;
let mattermost: FakeMattermost | undefined;
let repo: GitRepoFixture | undefined;

afterEach(async () => {
  // Still running only when the test failed: it is ours if its command line names our config.
  if (servicePid !== undefined && processAlive(servicePid) && isSlashbuild(servicePid)) {
    process.kill(servicePid, "SIGKILL");
  }
  if (parent?.exitCode === null && parent.signalCode === null) parent.kill("SIGKILL");
  await mattermost?.close();
  await repo?.remove();
  parent = servicePid = mattermost = repo = undefined;
});

/**
 * Whether `pid` runs slashbuild now: its command line starts with node and slashbuild's binary.
 * Not "names the binary": the shell's forked child, before its exec, has the shell's command line,
 * which names the binary too (as an argument of `sh -c`), and reads empty mid-exec.
 */
function isSlashbuild(pid: number): boolean {
  return commandLine(pid).startsWith(`${process.execPath} ${BIN} `);
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "";
  }
}

describe("slashbuild serve started by a process that then exits", () => {
  it("notices its parent is gone and shuts down cleanly: stops answering, reports its running build interrupted, exits", async () => {
    const dir = await newDir();
    const gate = path.join(dir, "gate");
    mattermost = await FakeMattermost.start();
    repo = await GitRepoFixture.create();
    const written = await ServiceProcess.write(dir, {
      data_dir: path.join(dir, "data"),
      log_level: "info",
      web: { read: "public" },
      mattermost: { token: TOKEN, webhook_url: mattermost.addIncomingWebhook("ci") },
      delivery: { initial_backoff: "50ms", max_backoff: "500ms" },
      runner: { sandbox: "none" },
      repos: {
        app: {
          url: repo.dir,
          branch: "main",
          commands: [`while [ -d ${dir} ] && [ ! -e ${gate} ]; do sleep 0.05; done`],
        },
      },
    });
    let log = "";
    // `&` keeps the shell as slashbuild's parent (a lone command would be exec'd in its place).
    parent = spawn(
      "sh",
      ["-c", `"$0" "$1" serve --config "$2" & wait`, process.execPath, BIN, written.configFile],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    parent.stderr?.on("data", (chunk: Buffer) => {
      log += chunk.toString();
    });
    const shell = parent;
    // The child is seen between fork and exec (the shell's command line) or mid-exec (empty): it
    // counts once it runs slashbuild (isSlashbuild). CI once caught it before its exec and read
    // its command line again mid-exec, when only "names the binary" was asked.
    servicePid = await waitFor("slashbuild to start under the shell", () => {
      const [child] = readFileSync(`/proc/${shell.pid}/task/${shell.pid}/children`, "utf8").split(/\s+/);
      return child && isSlashbuild(Number(child)) ? Number(child) : undefined;
    });
    expect(commandLine(servicePid)).toContain(written.configFile);
    await waitFor(
      "slashbuild to answer",
      async () => (await fetch(`${written.url}/healthz`).catch(() => null))?.ok,
    );

    const answer = await sendSlashCommand({
      url: `${written.url}/mattermost/command`,
      token: TOKEN,
      text: "app",
      user: { id: "uid-alice", name: "alice" },
      channel: { id: "chan-ci", name: "ci" },
    });
    expect(answer.ok).toBe(true);
    await waitFor("the start post", () => mattermost?.postsIn("ci").length === 1, 120_000);

    parent.kill("SIGKILL");
    const service = servicePid;
    await waitFor("slashbuild to exit", () => !processAlive(service), 120_000);
    expect(log).toContain(`is gone: shutting down`);
    // A clean stop, not a death: the running build was ended and its end posted before the exit.
    const posts = mattermost.postsIn("ci").map((post) => JSON.stringify(post));
    expect(posts).toHaveLength(2);
    expect(posts[1]).toMatch(/interrupted/);
    expect(
      await fetch(`${written.url}/healthz`).then(
        () => "answered",
        () => "refused",
      ),
    ).toBe("refused");
    await writeFile(gate, "");
  }, 300_000);
});
