import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { BIN, freePort, ROOT, ServiceProcess } from "../helpers/service-process.js";
import { tempDirPerTest } from "../helpers/temp-dir-per-test.js";

const exec = promisify(execFile);
const EXAMPLE = path.join(ROOT, "examples/slashbuild.yaml");
const newDir = tempDirPerTest("slashbuild-demo-health-");
let service: ServiceProcess | undefined;

afterEach(async () => {
  await service?.stop();
  service = undefined;
});

describe("the bundled demo", () => {
  it("lets `slashbuild try` ask /build health, as an admin of the demo", async () => {
    const port = await freePort();
    const env = {
      SLASHBUILD_LISTEN: `127.0.0.1:${port}`,
      SLASHBUILD_PUBLIC_URL: `http://127.0.0.1:${port}`,
      SLASHBUILD_DATA_DIR: await newDir(),
    };
    service = new ServiceProcess(EXAMPLE, port, env);
    await service.start();
    const { stdout } = await exec(process.execPath, [BIN, "try", "--config", EXAMPLE, "/build health"], {
      env: { ...process.env, ...env },
    });
    expect(stdout).toContain("slashbuild is **ready**");
    expect(stdout).not.toContain("is for admins");
  });
});
