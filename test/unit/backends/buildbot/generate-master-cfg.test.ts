import { describe, expect, it } from "vitest";
import { generateMasterCfg } from "../../../../src/backends/buildbot/generate-master-cfg.js";
import { buildbotConfigSchema, toBuildbotConfig } from "../../../../src/config/buildbot-schema.js";
import { makeConfig } from "../../../helpers/make-config.js";

const bbWith = (settings: Record<string, unknown> = {}) =>
  toBuildbotConfig(
    buildbotConfigSchema.parse({
      url: "http://127.0.0.1:8010",
      username: "slashbuild",
      password: "pw-1",
      status_secret: "status-secret-0123456789",
      workers: [{ name: "w1", password: "wp" }],
      worker_port: 9999,
      ...settings,
    }),
    "http://ci.example.com:8080",
  );
const bb = toBuildbotConfig(
  buildbotConfigSchema.parse({
    url: "http://127.0.0.1:8010",
    username: "slashbuild",
    password: "pw-1",
    status_secret: "status-secret-0123456789",
    workers: [{ name: "w1", password: "wp" }],
    worker_port: 9999,
  }),
  "http://ci.example.com:8080",
);
const config = makeConfig({
  repos: {
    app: {
      url: "git@example.com:me/app.git",
      branch: "master",
      backend: "buildbot",
      commands: ['echo "it\'s"; make', "make test"],
      env: { EDITOR: "/usr/bin/vim" },
      secrets: { TOKEN: "s3cr3t" },
      timeout: "10m",
    },
    local: { url: "/x", commands: ["true"] },
  },
});
const cfg = generateMasterCfg(config, bb);

describe("generateMasterCfg", () => {
  it("declares workers, the PB port, sqlite, no phoning home and no request collapsing", () => {
    expect(cfg).toContain('c["workers"] = [worker.Worker("w1", "wp")]');
    expect(cfg).toContain('c["protocols"] = {"pb": {"port": 9999}}');
    expect(cfg).toContain('c["buildbotNetUsageData"] = None');
    expect(cfg).toContain('"db_url": "sqlite:///state.sqlite"');
    expect(cfg).toContain('c["collapseRequests"] = False');
  });

  it("builds only repos with backend: buildbot", () => {
    expect(cfg).toContain('util.BuilderConfig(name="app"');
    expect(cfg).not.toContain('name="local"');
  });

  it("checks out exactly the sourcestamp's branch and revision, from scratch", () => {
    expect(cfg).toMatch(
      /steps\.Git\(name="checkout", repourl="git@example\.com:me\/app\.git", branch="master", alwaysUseLatest=False, mode="full", method="clobber"/,
    );
  });

  it("runs each command with sh -c, the repo env, secrets through the secret provider, and the timeout", () => {
    expect(cfg).toContain('command=["sh", "-c", "echo \\"it\'s\\"; make"]');
    expect(cfg).toContain(
      'name="make test", command=["sh", "-c", "make test"], env=env, haltOnFailure=True, maxTime=600',
    );
    expect(cfg).toContain('"EDITOR": "/usr/bin/vim"');
    // Only for builds that say they may have them (default deny: a fork's PR says nothing).
    expect(cfg).toContain(
      '"TOKEN": util.Interpolate("%(prop:slashbuild_secrets:#?|%(secret:app__TOKEN)s|)s")',
    );
    expect(cfg).not.toContain('util.Interpolate("%(secret:');
    expect(cfg).toContain('util.StringParameter(name="slashbuild_secrets", default="")');
    expect(cfg).toContain('SlashbuildSecrets(secrets={"app__TOKEN": "s3cr3t"})');
    expect(cfg).toContain('"SLASHBUILD_BUILD_ID": util.Property("slashbuild_build_id", default="")');
    expect(cfg).toContain('"SLASHBUILD_REVISION": util.Property("got_revision", default="")');
  });

  it("names a dotted repo's force scheduler with '_' (Buildbot wants an identifier) and refuses two repos that would share one", () => {
    const dotted = (names: string[]) =>
      makeConfig({
        repos: Object.fromEntries(
          names.map((name) => [name, { url: "/x", backend: "buildbot", commands: ["true"] }]),
        ),
      });
    const web = generateMasterCfg(dotted(["web.site"]), bb);
    expect(web).toMatch(/ForceScheduler\(\s+name="slashbuild-force-web_site",\s+builderNames=\["web.site"\]/);
    expect(() => generateMasterCfg(dotted(["web.site", "web_site"]), bb)).toThrow(
      expect.objectContaining({
        code: "CONFIG_INVALID",
        message: expect.stringContaining(
          "web.site and web_site would both be named slashbuild-force-web_site",
        ),
      }),
    );
  });

  it("declares the correlation property on the force scheduler and filters changes by project", () => {
    expect(cfg).toMatch(
      /ForceScheduler\(\s+name="slashbuild-force-app",[\s\S]*?util\.StringParameter\(name="slashbuild_build_id"/,
    );
    expect(cfg).toMatch(/AnyBranchScheduler\(\s+name="slashbuild-change-app",[\s\S]*?category="slashbuild"/);
    expect(cfg).toContain('project = "{repo}".replace("{repo}", "app")');
  });

  it("serves www on loopback with the base change hook behind auth, to slashbuild's user only", () => {
    expect(cfg).toContain('"port": "tcp:8010:interface=127.0.0.1"');
    expect(cfg).toContain('"change_hook_dialects": {"base": True}');
    expect(cfg).toContain('"change_hook_auth": [_change_hook_users]');
    expect(cfg).toContain('util.UserPasswordAuth({"slashbuild": "pw-1"})');
    // Every endpoint, reads included, and everyone else denied (the real master: test/integration).
    expect(cfg).toContain('allowRules=[util.AnyEndpointMatcher(role="slashbuild", defaultDeny=True)]');
    expect(cfg).not.toContain("AnyControlEndpointMatcher");
    expect(cfg).toContain('util.RolesFromUsername(roles=["slashbuild"], usernames=["slashbuild"])');
    expect(cfg).toContain(
      'self.root.putChild(name, ForbiddenResource("this master serves no event streams"))',
    );
  });

  it("listens where buildbot.www_interface and worker_interface say, IPv6 included", () => {
    const wide = generateMasterCfg(
      config,
      bbWith({ www_interface: "0.0.0.0", worker_interface: "127.0.0.1" }),
    );
    expect(wide).toContain('"port": "tcp:8010:interface=0.0.0.0"');
    expect(wide).toContain('c["protocols"] = {"pb": {"port": "tcp:9999:interface=127.0.0.1"}}');
    const v6 = generateMasterCfg(config, bbWith({ url: "http://[::1]:8010", worker_interface: "::1" }));
    // Twisted's strports escape the address's colons; a Python string needs the backslash doubled.
    expect(v6).toContain('"port": "tcp6:8010:interface=\\\\:\\\\:1"');
    expect(v6).toContain('{"pb": {"port": "tcp6:9999:interface=\\\\:\\\\:1"}}');
  });

  it("refuses a loopback-only master that buildbot.url says is on another host", () => {
    const remote = bbWith({ url: "http://bb.example.com:8010" });
    expect(() => generateMasterCfg(config, remote)).toThrow(
      /buildbot\.url points at bb\.example\.com.*set www_interface/,
    );
    const said = generateMasterCfg(
      config,
      bbWith({ url: "http://bb.example.com:8010", www_interface: "10.0.0.5" }),
    );
    expect(said).toContain('"port": "tcp:8010:interface=10.0.0.5"');
  });

  it("pushes status to slashbuild with the shared secret as the Basic password", () => {
    expect(cfg).toContain(
      'reporters.HttpStatusPush(serverUrl="http://ci.example.com:8080/buildbot/status", auth=("buildbot", "status-secret-0123456789"))',
    );
  });

  it("keeps hostile config values inside their Python literals", () => {
    const hostile = makeConfig({
      repos: {
        evil: {
          url: '/x"\n__import__("os").system("id")#',
          backend: "buildbot",
          commands: ['"""; import os #'],
        },
      },
    });
    const text = generateMasterCfg(hostile, bb);
    expect(text).not.toMatch(/^__import__/m);
    expect(text).toContain('repourl="/x\\"\\n__import__(\\"os\\").system(\\"id\\")#"');
  });

  it("explains what is missing", () => {
    expect(() => generateMasterCfg(makeConfig(), bb)).toThrow(/no repo has `backend: buildbot`/);
    expect(() => generateMasterCfg(config, { ...bb, workers: [] })).toThrow(/buildbot\.workers is empty/);
  });
});
