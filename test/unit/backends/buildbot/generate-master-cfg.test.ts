import { describe, expect, it } from "vitest";
import { generateMasterCfg } from "../../../../src/backends/buildbot/generate-master-cfg.js";
import { buildbotConfigSchema, toBuildbotConfig } from "../../../../src/config/buildbot-schema.js";
import { makeConfig } from "../../../helpers/make-config.js";

const bb = toBuildbotConfig(
  buildbotConfigSchema.parse({
    url: "http://bb.example.com:8010",
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

  it("declares the correlation property on the force scheduler and filters changes by project", () => {
    expect(cfg).toMatch(
      /ForceScheduler\(\s+name="slashbuild-force-app",[\s\S]*?util\.StringParameter\(name="slashbuild_build_id"/,
    );
    expect(cfg).toMatch(/AnyBranchScheduler\(\s+name="slashbuild-change-app",[\s\S]*?category="slashbuild"/);
    expect(cfg).toContain('project = "{repo}".replace("{repo}", "app")');
  });

  it("serves www with the base change hook behind auth, and lets only slashbuild's user control builds", () => {
    expect(cfg).toContain('"port": 8010');
    expect(cfg).toContain('"change_hook_dialects": {"base": True}');
    expect(cfg).toContain('"change_hook_auth": [_change_hook_users]');
    expect(cfg).toContain('util.UserPasswordAuth({"slashbuild": "pw-1"})');
    expect(cfg).toContain('util.AnyControlEndpointMatcher(role="slashbuild")');
    expect(cfg).toContain('util.RolesFromUsername(roles=["slashbuild"], usernames=["slashbuild"])');
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
