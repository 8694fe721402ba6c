import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig, parseConfig } from "../../../src/config/load-config.js";

const MINIMAL = `
public_url: http://ci.example.com:8080/
mattermost:
  token: \${SLASHBUILD_TOKEN}
  webhook_url: \${SLASHBUILD_WEBHOOK:-http://chat.example.com/hooks/abc}
repos:
  project-example:
    url: ./repo.git
    branch: master
    commands: [make clean, make test]
    env: {EDITOR: /usr/bin/vim}
`;

function parse(text: string, env: Record<string, string> = { SLASHBUILD_TOKEN: "s3cret" }) {
  return parseConfig(text, { baseDir: "/srv/slashbuild", env });
}

describe("config", () => {
  it("fills defaults, interpolates the environment and resolves paths", () => {
    const config = parse(MINIMAL);
    expect(config.mattermost.tokens).toEqual(["s3cret"]);
    expect(config.mattermost.webhookUrl).toBe("http://chat.example.com/hooks/abc");
    expect(config.publicUrl).toBe("http://ci.example.com:8080");
    expect(config.listen).toEqual({ host: "127.0.0.1", port: 8080 });
    expect(config.dataDir).toBe("/srv/slashbuild/data");
    const repo = config.repos["project-example"];
    expect(repo?.url).toBe("/srv/slashbuild/repo.git");
    expect(repo?.defaultBranch).toBe("master");
    expect(repo?.timeoutMs).toBe(30 * 60_000);
    expect(repo?.concurrency).toBe(1);
    expect(config.runner).toEqual({
      concurrency: 2,
      logLimitBytes: 10_000_000,
      sandbox: "bwrap",
      killGraceMs: 5000,
      network: true,
      limits: {},
      workspacesDir: "/srv/slashbuild/data/workspaces",
      buildUid: 65534,
      buildGid: 65534,
      readOnlyPaths: [],
      writablePaths: [],
    });
    expect(repo?.network).toBe(true);
    expect(repo?.limits).toBeUndefined();
  });

  it("reads the sandbox keys: runner-wide network and limits, overridden per repo key by key", () => {
    const config = parse(
      MINIMAL.replace("    env:", "    network: true\n    limits: {processes: 64, memory: null}\n    env:") +
        "runner: {sandbox: none, network: false, limits: {file_size: 1MiB, cpu_time: 10m}, build_uid: 64055, build_gid: 64055, read_only_paths: [/opt]}\n",
    );
    expect(config.runner).toMatchObject({
      sandbox: "none",
      network: false,
      limits: { fileSizeBytes: 1024 * 1024, cpuTimeMs: 600_000 },
      buildUid: 64055,
      readOnlyPaths: ["/opt"],
    });
    expect(config.repos["project-example"]?.network).toBe(true);
    expect(config.repos["project-example"]?.limits).toEqual({ processes: 64, memoryBytes: null });
  });

  it("reads network: host (the host's network, an explicit opt-in) runner-wide and per repo", () => {
    const config = parse(
      `${MINIMAL.replace("    env:", "    network: host\n    env:")}runner: {network: false}\n`,
    );
    expect(config.runner.network).toBe(false);
    expect(config.repos["project-example"]?.network).toBe("host");
    expect(parse(`${MINIMAL}runner: {network: host}\n`).repos["project-example"]?.network).toBe("host");
  });

  it("refuses any other network value, naming the three it takes", () => {
    expect(() => parse(`${MINIMAL}runner: {network: shared}\n`)).toThrow(
      /runner\.network.*true.*false.*host/s,
    );
  });

  it("refuses an unknown sandbox and a relative granted path", () => {
    expect(() => parse(`${MINIMAL}runner: {sandbox: docker}\n`)).toThrow(/runner\.sandbox/);
    expect(() => parse(`${MINIMAL}runner: {read_only_paths: [opt]}\n`)).toThrow(/absolute path/);
  });

  it("reads mattermost.button_lifetime in days, 30 days by default", () => {
    expect(parse(MINIMAL).mattermost.buttonLifetimeMs).toBe(30 * 86_400_000);
    const set = parse(MINIMAL.replace("mattermost:\n", "mattermost:\n  button_lifetime: 7d\n"));
    expect(set.mattermost.buttonLifetimeMs).toBe(7 * 86_400_000);
    expect(() =>
      parse(MINIMAL.replace("mattermost:\n", "mattermost:\n  button_lifetime: forever\n")),
    ).toThrow(/button_lifetime/);
  });

  it("is frozen", () => {
    const config = parse(MINIMAL);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.repos["project-example"]?.commands)).toBe(true);
  });

  it("accepts a list of tokens, durations and sizes", () => {
    const config = parse(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the config file's own ${ENV} syntax, not a template
      `${MINIMAL.replace("token: ${SLASHBUILD_TOKEN}", "token: [a, b]")}    timeout: 90s\nrunner: {log_limit: 1MiB, concurrency: 4}\nlisten: "[::1]:9000"\n`,
    );
    expect(config.mattermost.tokens).toEqual(["a", "b"]);
    expect(config.repos["project-example"]?.timeoutMs).toBe(90_000);
    expect(config.runner.logLimitBytes).toBe(1024 * 1024);
    expect(config.listen).toEqual({ host: "::1", port: 9000 });
  });

  it("names a missing environment variable and the key that needs it", () => {
    expect(() => parse(MINIMAL, {})).toThrow(
      /mattermost\.token: environment variable SLASHBUILD_TOKEN is not set/,
    );
  });

  it("names unknown keys and wrong types", () => {
    expect(() => parse(`${MINIMAL}colour: blue\n`)).toThrow(/unknown key colour/);
    expect(() => parse(MINIMAL.replace("branch: master", "branch: master\n    comands: [x]"))).toThrow(
      /unknown key repos\.project-example\.comands/,
    );
    expect(() => parse(MINIMAL.replace("commands: [make clean, make test]", "commands: make"))).toThrow(
      /repos\.project-example\.commands:/,
    );
    expect(() => parse(`${MINIMAL}    timeout: soon\n`)).toThrow(/"soon" is not a duration/);
    expect(() =>
      parse(MINIMAL.replace("public_url: http://ci.example.com:8080/", "public_url: ftp://x")),
    ).toThrow(/public_url/);
  });

  it("names every missing environment variable at once, with the key that needs each", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the config file's ${ENV} syntax
    const text = MINIMAL.replace("http://ci.example.com:8080/", "${SLASHBUILD_PUBLIC_URL}");
    let message = "";
    try {
      parse(text, {});
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain("public_url: environment variable SLASHBUILD_PUBLIC_URL is not set");
    expect(message).toContain("mattermost.token: environment variable SLASHBUILD_TOKEN is not set");
  });

  it("says which known key a misspelt one most likely meant, instead of calling the real one missing", () => {
    let message = "";
    try {
      parse(MINIMAL.replace("repos:", "reops:"));
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain("unknown key reops: did you mean repos?");
    expect(message).not.toMatch(/- repos: /);
    expect(() => parse(MINIMAL.replace("branch: master", "branch: master\n    comands: [x]"))).toThrow(
      /unknown key repos\.project-example\.comands: did you mean repos\.project-example\.commands\?/,
    );
    expect(() => parse(`${MINIMAL}runer: {concurrency: 2}\n`)).toThrow(
      /unknown key runer: did you mean runner\?/,
    );
    // Nothing near: no guess.
    expect(() => parse(`${MINIMAL}colour: blue\n`)).toThrow(
      /unknown key colour: remove it or check its spelling/,
    );
  });

  it("refuses repo names that are unsafe in URLs and paths", () => {
    expect(() => parse(MINIMAL.replace("project-example:", "'../etc':"))).toThrow(/repo names use letters/);
  });

  it("reports an unreadable file with its path", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "cfg-"));
    expect(() => loadConfig(path.join(dir, "missing.yaml"))).toThrow(
      /cannot read config file .*missing\.yaml/,
    );
    const file = path.join(dir, "bad.yaml");
    writeFileSync(file, "repos: [\n");
    expect(() => loadConfig(file)).toThrow(/not valid YAML/);
  });

  it("keeps a literal ${ when escaped as $${", () => {
    const config = parse(MINIMAL.replace("EDITOR: /usr/bin/vim", () => "EDITOR: '$${HOME}/vim'"));
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal text the escape must produce
    expect(config.repos["project-example"]?.env.EDITOR).toBe("${HOME}/vim");
  });
});

describe("config: buildbot", () => {
  const BUILDBOT = `
buildbot:
  url: http://buildbot.example.com:8010
  username: slashbuild
  password: pw
  status_secret: 0123456789abcdef0123
  workers: [{name: w1, password: wpw}]
`;

  it("refuses a repo on buildbot without a buildbot section", () => {
    expect(() => parse(`${MINIMAL}    backend: buildbot\n`)).toThrow(
      /repos project-example use backend: buildbot/,
    );
  });

  it("reads the buildbot section", () => {
    const config = parse(`${MINIMAL}    backend: buildbot\n${BUILDBOT}`);
    expect(config.repos["project-example"]?.backend).toBe("buildbot");
    expect(config.buildbot).toMatchObject({ url: "http://buildbot.example.com:8010", trigger: "force" });
    expect(parse(MINIMAL).buildbot).toBeNull();
  });
});
