import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { makeTempDir, removeDir } from "../helpers/git-repo.js";
import { BIN, freePort, ServiceProcess, waitFor } from "../helpers/service-process.js";

const exec = promisify(execFile);
const EXAMPLE = path.resolve(path.dirname(BIN), "..", "examples", "slashbuild.yaml");

async function cli(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await exec(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

let dir: string;
let service: ServiceProcess | undefined;

afterEach(async () => {
  await service?.stop("SIGKILL");
  service = undefined;
  if (dir) await removeDir(dir);
});

describe("the slashbuild command line", () => {
  it("check-config accepts the bundled example", async () => {
    const result = await cli(["check-config", EXAMPLE]);
    expect(result).toMatchObject({ code: 0 });
    expect(result.stdout).toContain("is valid: 1 repo(s): demo (local, main)");
  });

  it("check-config accepts the Buildbot example", async () => {
    const result = await cli([
      "check-config",
      path.join(path.dirname(EXAMPLE), "buildbot", "slashbuild.yaml"),
    ]);
    expect(result).toMatchObject({ code: 0 });
    expect(result.stdout).toContain("1 repo(s): demo (buildbot, main)");
  });

  it("buildbot-config --www-stub DIR writes the base www plugin Buildbot finds by entry point", async () => {
    dir = await makeTempDir();
    const result = await cli(["buildbot-config", "--www-stub", path.join(dir, "stub")]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`PYTHONPATH=${path.join(dir, "stub")}`);
    const entry = await readFile(
      path.join(dir, "stub", "slashbuild_www_base.egg-info", "entry_points.txt"),
      "utf8",
    );
    expect(entry).toBe("[buildbot.www]\nbase = slashbuild_www_base:ep\n");
  });

  it("check-config exits non-zero and names every problem", async () => {
    dir = await makeTempDir();
    const file = path.join(dir, "bad.yaml");
    await writeFile(
      file,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the config file's ${ENV} syntax
      "public_url: http://x\nmattermost:\n  token: ${NOT_SET_ANYWHERE_42}\nrepos: {a: {url: /x, commands: [true]}}\n",
    );
    const missing = await cli(["check-config", file]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("mattermost.token: environment variable NOT_SET_ANYWHERE_42 is not set");
    await writeFile(
      file,
      "public_url: http://x\nmattermost: {token: t}\nrepos: {a: {url: /x, comands: [true]}}\n",
    );
    const typo = await cli(["check-config", file]);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain("unknown key repos.a.comands");
    expect(typo.stderr).toContain("repos.a.commands");
  });

  it("buildbot-config prints a master.cfg for the repos on Buildbot, and explains when there is none", async () => {
    dir = await makeTempDir();
    const file = path.join(dir, "bb.yaml");
    await writeFile(
      file,
      [
        "public_url: http://slashbuild.example.com:8080",
        "mattermost: {token: t}",
        "buildbot:",
        "  url: http://buildbot.example.com:8010",
        "  username: slashbuild",
        "  password: pw",
        "  status_secret: 0123456789abcdef0123",
        "  workers: [{name: w1, password: wpw}]",
        "repos:",
        "  app: {url: /srv/app.git, commands: [make test], backend: buildbot}",
        "  other: {url: /srv/other.git, commands: [echo ok]}",
        "",
      ].join("\n"),
    );
    // The master is on another host, so it cannot listen on loopback only, as it does by default.
    const refused = await cli(["buildbot-config", "--config", file]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("buildbot.url points at buildbot.example.com");
    expect(refused.stderr).toContain("set www_interface");
    await writeFile(
      file,
      (await readFile(file, "utf8")).replace("  workers:", "  www_interface: 0.0.0.0\n  workers:"),
    );
    const printed = await cli(["buildbot-config", "--config", file]);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toContain('"port": "tcp:8010:interface=0.0.0.0"');
    expect(printed.stdout).toContain('c["workers"] = [worker.Worker("w1", "wpw")]');
    expect(printed.stdout).toContain("make test");
    expect(printed.stdout).toContain("http://slashbuild.example.com:8080/buildbot/status");
    expect(printed.stdout).not.toContain("other.git");
    const none = await cli(["buildbot-config", "--config", EXAMPLE]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("no buildbot: section");
  });

  it("--version prints the version", async () => {
    const result = await cli(["--version"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^slashbuild \d+\.\d+\.\d+\n$/);
  });

  it("hash-password on a real terminal shows nothing of what is typed (issue 22 item 19)", async () => {
    // util-linux's script gives the command a pseudo-terminal that echoes, as a terminal does.
    const PASSWORD = "correct horse battery staple";
    const child = spawn("script", ["-qec", `${process.execPath} ${BIN} hash-password`, "/dev/null"], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    let seen = "";
    child.stdout.on("data", (chunk: Buffer) => {
      seen += chunk.toString();
    });
    const exited = once(child, "exit");
    // Typed only once the prompt is there, as a person would: the terminal is raw by then.
    await waitFor("the first prompt", () => seen.includes("Password"));
    child.stdin.write(`${PASSWORD}\r`);
    await waitFor("the second prompt", () => seen.includes("Again"));
    child.stdin.write(`${PASSWORD}\r`);
    await exited;
    expect(child.exitCode).toBe(0);
    expect(seen).toMatch(/scrypt\$/);
    expect(seen).not.toContain("horse");
  });

  it("refuses an unknown sub-command with the usage", async () => {
    const result = await cli(["frobnicate"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("slashbuild serve --config FILE");
  });

  it("serves the bundled example, and try runs the demo build through the slash command path", async () => {
    dir = await makeTempDir();
    const port = await freePort();
    const env = {
      SLASHBUILD_LISTEN: `127.0.0.1:${port}`,
      SLASHBUILD_PUBLIC_URL: `http://127.0.0.1:${port}`,
      SLASHBUILD_DATA_DIR: dir,
    };
    service = new ServiceProcess(EXAMPLE, port, env);
    await service.start();
    const ok = await cli(["try", "--config", EXAMPLE, "/build demo"], env);
    expect(ok.stdout).toMatch(/Queued build \[#1\]/);
    expect(ok.stdout).toMatch(/#1 succeeded/);
    expect(ok.code).toBe(0);
    const broken = await cli(["try", "--config", EXAMPLE, "/build demo broken"], env);
    expect(broken.stdout).toMatch(/#2 failed at make test/);
    expect(broken.code).toBe(1);
    // Without a webhook, status posts go to the console.
    expect(service.stdout).toMatch(/\[chat\] Build \[#1\].*succeeded/);
    const refused = await cli(["try", "--config", EXAMPLE, "/build nope"], env);
    expect(refused.stdout).toContain("no repo `nope`. You can build: `demo`");
    // A refusal is a failure of the command (issue 22 item 19), with its code.
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("slashbuild: the service refused it (REPO_UNKNOWN, see docs/errors.md)");
    const help = await cli(["try", "--config", EXAMPLE, "/build help"], env);
    expect(help.code).toBe(0);
  });

  it("try explains what to do when no service is running", async () => {
    const port = await freePort();
    const result = await cli(["try", "--config", EXAMPLE, "/build demo"], {
      SLASHBUILD_LISTEN: `127.0.0.1:${port}`,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("start the service first");
  });
});
