import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "../../../src/cli/index.js";

const ROOT = path.resolve(import.meta.dirname, "..", "..", "..");
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "slashbuild-cli-"));
  dirs.push(dir);
  return dir;
}

async function cli(...argv: string[]) {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = "";
  let stderr = "";
  out.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  err.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await runCli(argv, { out, err });
  return { code, stdout, stderr };
}

/** A production-like config: its secrets come from the environment, as under the unit. */
function productionConfig(dir: string): string {
  const file = path.join(dir, "slashbuild.yaml");
  writeFileSync(
    file,
    [
      "public_url: https://ci.example.com",
      `data_dir: ${dir}`,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the config file's ${ENV} syntax
      "mattermost: {token: '${SB_TEST_TOKEN_5821}', webhook_url: '${SB_TEST_WEBHOOK_5821}'}",
      `repos: {demo: {url: ${path.join(ROOT, "examples", "demo.bundle")}, commands: [make test]}}`,
      "",
    ].join("\n"),
  );
  return file;
}

describe("the command line (issue 22 item 19)", () => {
  it("--version prints package.json's version", async () => {
    const { version } = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
      version: string;
    };
    expect(await cli("--version")).toMatchObject({ code: 0, stdout: `slashbuild ${version}\n` });
  });

  it("COMMAND --help prints that command's own usage, not the general help", async () => {
    const help = await cli("buildbot-config", "--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: slashbuild buildbot-config --config FILE/);
    expect(help.stdout).toContain("--www-stub DIR");
    expect(help.stdout).not.toContain("slashbuild serve");
  });

  it("errors carry their docs/errors.md code; command-line mistakes exit 2 with the usage", async () => {
    const missing = await cli("check-config", path.join(tempDir(), "nowhere.yaml"));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^slashbuild: CONFIG_NOT_FOUND: cannot read config file/);
    const noFile = await cli("backup");
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toContain("slashbuild: CLI_USAGE: backup needs --config FILE");
    expect(noFile.stderr).toContain("Usage: slashbuild backup --config FILE [--env-file FILE] DEST");
    const unknownOption = await cli("check-config", "--frobnicate", "x.yaml");
    expect(unknownOption.code).toBe(2);
    expect(unknownOption.stderr).toMatch(/^slashbuild: CLI_USAGE: .*--frobnicate/);
  });

  it("names every missing environment variable at once, and --env-file reads the unit's file", async () => {
    const dir = tempDir();
    const config = productionConfig(dir);
    const without = await cli("check-config", config);
    expect(without.code).toBe(1);
    expect(without.stderr).toContain("CONFIG_ENV_MISSING");
    expect(without.stderr).toContain("mattermost.token: environment variable SB_TEST_TOKEN_5821 is not set");
    expect(without.stderr).toContain(
      "mattermost.webhook_url: environment variable SB_TEST_WEBHOOK_5821 is not set",
    );
    expect(without.stderr).toContain("--env-file");

    const envFile = path.join(dir, "slashbuild.env");
    writeFileSync(
      envFile,
      '# as /etc/slashbuild/slashbuild.env\nSB_TEST_TOKEN_5821=token-from-the-unit-file\nSB_TEST_WEBHOOK_5821="https://chat.example.com/hooks/x"\n',
    );
    const checked = await cli("check-config", "--env-file", envFile, config);
    expect(checked).toMatchObject({ code: 0 });
    expect(checked.stdout).toContain("is valid: 1 repo(s): demo (local, main)");

    const unreadable = await cli("check-config", "--env-file", path.join(dir, "absent.env"), config);
    expect(unreadable.code).toBe(1);
    expect(unreadable.stderr).toContain("CONFIG_NOT_FOUND: cannot read --env-file");
  });
});
