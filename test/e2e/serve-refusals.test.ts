import { spawn } from "node:child_process";
import { once } from "node:events";
import { chmod, chown, mkdir, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { MIGRATIONS } from "../../src/store/migrations.js";
import { openDatabase } from "../../src/store/open-database.js";
import { BIN, freePort, ROOT } from "../helpers/service-process.js";
import { tempDirPerTest } from "../helpers/temp-dir-per-test.js";

const newDir = tempDirPerTest("slashbuild-refusals-");
const DEMO = path.join(ROOT, "examples", "demo.bundle");

/** Another user to run serve as, when this test runs as root (root writes any file, so could not be refused). */
const OTHER = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined;

interface Run {
  /** The exit code, or "served" when it answered /healthz instead of refusing. */
  readonly outcome: number | "served";
  readonly stderr: string;
}

/** `slashbuild serve` until it exits or answers /healthz (then it is stopped: it should have refused). */
async function serve(
  configFile: string,
  port: number,
  as?: { uid: number; gid: number },
  env: Record<string, string> = {},
): Promise<Run> {
  const child = spawn(process.execPath, [BIN, "serve", "--config", configFile], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, ...env },
    ...(as ?? {}),
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = once(child, "exit");
  const served = (async () => {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) return false;
      if (
        await fetch(`http://127.0.0.1:${port}/healthz`).then(
          () => true,
          () => false,
        )
      )
        return true;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  const result = await Promise.race([exited.then(() => "exited" as const), served]);
  if (result === true) {
    child.kill("SIGKILL");
    await exited;
    return { outcome: "served", stderr };
  }
  await exited;
  return { outcome: child.exitCode ?? -1, stderr };
}

async function writeConfig(file: string, port: number, extra: Record<string, unknown>): Promise<void> {
  await writeFile(
    file,
    stringify({
      listen: `127.0.0.1:${port}`,
      public_url: `http://127.0.0.1:${port}`,
      mattermost: { token: "refusals-token-0123456789" },
      // The sandbox is not what these tests are about, and the other user may not be able to make one.
      runner: { sandbox: "none" },
      repos: { demo: { url: DEMO, commands: ["true"] } },
      ...extra,
    }),
  );
  await chmod(file, 0o644);
}

/** A folder the test's user and OTHER can both enter. */
async function sharedDir(): Promise<string> {
  const dir = await newDir();
  await chmod(dir, 0o755);
  return dir;
}

describe("serve refuses to start, with the code docs/errors.md explains", () => {
  it("on a database it cannot write, as after a restore by root, naming the owner and the chown (issue 22 item 7)", async () => {
    const dir = await sharedDir();
    const dataDir = path.join(dir, "data");
    await mkdir(dataDir, { mode: 0o700 });
    // The backup put in place by someone else (root, in the README's old restore steps).
    openDatabase(path.join(dataDir, "slashbuild.db")).close();
    if (OTHER) await chown(dataDir, OTHER.uid, OTHER.gid);
    else await chmod(path.join(dataDir, "slashbuild.db"), 0o444);
    const port = await freePort();
    const config = path.join(dir, "slashbuild.yaml");
    await writeConfig(config, port, { data_dir: dataDir });

    const run = await serve(config, port, OTHER);
    expect(run.outcome).toBe(1);
    expect(run.stderr).toContain(
      `slashbuild: DATABASE_NOT_WRITABLE: slashbuild cannot write its database ${dataDir}/slashbuild.db`,
    );
    expect(run.stderr).toMatch(/It belongs to uid \d+, mode 0[46]44\./);
    expect(run.stderr).toContain("chown ");
  });

  it("where data_dir cannot be created, naming data_dir, where it led and what relative paths start from (issue 22 item 18)", async () => {
    const dir = await sharedDir();
    const etc = path.join(dir, "etc");
    await mkdir(etc, { mode: 0o755 });
    const port = await freePort();
    const config = path.join(etc, "slashbuild.yaml");
    // The unedited example's `../data`, installed where its parent is not the service's to write.
    await writeConfig(config, port, { data_dir: "../data" });
    if (!OTHER) await chmod(dir, 0o555);
    try {
      const run = await serve(config, port, OTHER);
      expect(run.outcome).toBe(1);
      expect(run.stderr).toContain(`slashbuild: DATA_DIR_UNUSABLE: data_dir is ${path.join(dir, "data")}`);
      expect(run.stderr).toContain("EACCES");
      expect(run.stderr).toContain(`resolves against the config file's folder, ${etc}`);
    } finally {
      await chmod(dir, 0o755);
    }
  });

  it("when listen is taken, hinting at listen and SLASHBUILD_LISTEN (issue 22 item 19)", async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
    const port = (holder.address() as { port: number }).port;
    try {
      const dir = await newDir();
      const config = path.join(dir, "slashbuild.yaml");
      await writeConfig(config, port, { data_dir: path.join(dir, "data") });
      const run = await serve(config, port);
      // Whatever answers there is the holder, not slashbuild: it must have exited.
      expect(run.outcome).toBe(1);
      expect(run.stderr).toContain(
        `slashbuild: LISTEN_FAILED: slashbuild cannot listen: 127.0.0.1:${port} is in use`,
      );
      expect(run.stderr).toContain(`Set listen in ${config}`);
      expect(run.stderr).toContain("SLASHBUILD_LISTEN");
    } finally {
      holder.close();
    }
  });

  it("with SANDBOX_UNAVAILABLE and DATABASE_TOO_NEW printed with their codes (issue 22 item 19)", async () => {
    const dir = await newDir();
    const port = await freePort();
    const config = path.join(dir, "slashbuild.yaml");
    await writeConfig(config, port, { data_dir: path.join(dir, "data"), runner: { sandbox: "bwrap" } });
    // A machine without bubblewrap: nothing on PATH (node itself is started by its full path).
    const sandbox = await serve(config, port, undefined, { PATH: await newDir() });
    expect(sandbox.outcome).toBe(1);
    expect(sandbox.stderr).toMatch(/^slashbuild: SANDBOX_UNAVAILABLE: /m);

    const newer = path.join(dir, "newer");
    await mkdir(newer);
    openDatabase(path.join(newer, "slashbuild.db")).close();
    const db = new Database(path.join(newer, "slashbuild.db"));
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    await writeConfig(config, port, { data_dir: newer });
    const downgrade = await serve(config, port);
    expect(downgrade.outcome).toBe(1);
    expect(downgrade.stderr).toMatch(/^slashbuild: DATABASE_TOO_NEW: /m);
  });
});
