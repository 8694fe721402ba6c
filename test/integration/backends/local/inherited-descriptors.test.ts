import { spawn } from "node:child_process";
import { once } from "node:events";
import { chmod, mkdir, open, readFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeTempDir, removeDir } from "../../../helpers/git-repo.js";
import { ROOT } from "../../../helpers/service-process.js";

const CHILD = path.join(ROOT, "test", "fixtures", "processes", "step-with-inherited-descriptor.ts");
/** Past Node's own start-up marking (0-15), behind a gap, as `exec 40>file` in a shell leaves it. */
const FD = 40;

/**
 * Descriptors slashbuild inherits (issue 18). The runner is started with a descriptor open on a
 * file in a 0700 directory; a step then tries to write through it. With `close` the runner first
 * does what `serve` does at start-up; with `keep` it does not, and the write succeeds, sandboxed
 * or not: bwrap passes on what it is given.
 */
describe.each([
  ["close", "bwrap"],
  ["close", "none"],
  ["keep", "bwrap"],
  ["keep", "none"],
] as const)("a descriptor slashbuild inherited (%s, runner.sandbox: %s)", (defence, mode) => {
  let dir: string;
  beforeEach(async () => {
    dir = await makeTempDir("slashbuild-fd-");
  });
  afterEach(async () => {
    await removeDir(dir);
  });

  it("is not open in a build's step, which cannot write through it", async () => {
    const privateDir = path.join(dir, "private");
    await mkdir(privateDir, { mode: 0o700 });
    const target = path.join(privateDir, "target");
    const workspace = path.join(dir, "workspace");
    await mkdir(workspace);
    await chmod(dir, 0o755);
    const handle = await open(target, "a", 0o600);
    const stdio: ("ignore" | "pipe" | number)[] = ["ignore", "pipe", "pipe"];
    while (stdio.length < FD) stdio.push("ignore");
    stdio.push(handle.fd);
    const logFile = path.join(dir, "step.log");
    const child = spawn(
      process.execPath,
      ["--import", "tsx", CHILD, defence, mode, String(FD), workspace, logFile],
      {
        cwd: ROOT,
        stdio,
      },
    );
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const [code] = (await once(child, "exit")) as [number | null];
    await handle.close();
    expect(code, stderr).toBe(0);
    const log = await readFile(logFile, "utf8");
    const fds = (/^FDS (.*)$/m.exec(log)?.[1] ?? "").trim().split(/\s+/).map(Number);
    const written = (await readFile(target, "utf8")).includes("PWNED-THROUGH-FD");
    if (defence === "close") {
      expect(log).toMatch(/^DENIED$/m);
      expect(written).toBe(false);
      // stdin, stdout, stderr and ls's own listing of the directory: nothing else.
      expect(fds.filter((fd) => fd > 2).length).toBeLessThanOrEqual(1);
      expect(fds).not.toContain(FD);
    } else {
      expect(log).toMatch(/^WROTE$/m);
      expect(written).toBe(true);
      expect(fds).toContain(FD);
    }
  });
});
