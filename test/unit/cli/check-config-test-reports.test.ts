import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "../../../src/cli/index.js";

/** check-config holds `repos.<name>.test_reports` and `runner.test_reports` to what the runner reads. */

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function sink(): Writable & { text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return Object.assign(stream, { text: () => chunks.join("") });
}

async function check(repo: string, extra = ""): Promise<{ code: number; err: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "slashbuild-cc-reports-"));
  dirs.push(dir);
  const file = path.join(dir, "slashbuild.yaml");
  writeFileSync(
    file,
    `public_url: http://x\nmattermost: {token: t}\n${extra}repos: {a: {url: "https://git.example.com/a.git", commands: ["true"], ${repo}}}\n`,
  );
  const err = sink();
  const code = await runCli(["check-config", file], { out: sink(), err });
  return { code, err: err.text() };
}

describe("check-config and test reports", () => {
  it("accepts globs inside the working copy and the caps", async () => {
    expect(
      await check(
        `test_reports: ["reports/*.xml", "**/TEST-*.xml", "./junit.xml"]`,
        "runner: {test_reports: {max_files: 10, max_file_size: 1MB, max_total_size: 5MB, max_failures: 5}}\n",
      ),
    ).toEqual({ code: 0, err: "" });
  });

  it.each([
    ["/etc/passwd", "is an absolute path"],
    ["../other/junit.xml", "contains .."],
    ["reports/**", "ends with **"],
    ["reports/[a.xml", "has an unclosed ["],
  ])("refuses %s, naming the key and what to do", async (glob, why) => {
    const result = await check(`test_reports: [${JSON.stringify(glob)}]`);
    expect(result.code).toBe(1);
    expect(result.err).toContain("repos.a.test_reports.0");
    expect(result.err).toContain(`${glob} ${why}`);
  });

  it("refuses test reports on a Buildbot repo: only the embedded runner reads them", async () => {
    const result = await check(
      `backend: buildbot, test_reports: ["reports/*.xml"]`,
      "buildbot: {url: http://127.0.0.1:8010, username: u, password: p, status_secret: s0123456789abcdef}\n",
    );
    expect(result.code).toBe(1);
    expect(result.err).toContain("repos.a.test_reports: test reports are read by the embedded runner only");
  });

  it("refuses a cap that is not a size or out of range", async () => {
    const result = await check(`test_reports: ["a.xml"]`, "runner: {test_reports: {max_failures: 0}}\n");
    expect(result.code).toBe(1);
    expect(result.err).toContain("runner.test_reports.max_failures");
  });
});
