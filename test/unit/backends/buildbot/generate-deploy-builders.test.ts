import { describe, expect, it } from "vitest";
import { deployNames } from "../../../../src/backends/buildbot/generate-deploy-builders.js";
import { generateMasterCfg } from "../../../../src/backends/buildbot/generate-master-cfg.js";
import { buildbotConfigSchema, toBuildbotConfig } from "../../../../src/config/buildbot-schema.js";
import { makeConfig } from "../../../helpers/make-config.js";

const bb = toBuildbotConfig(
  buildbotConfigSchema.parse({
    url: "http://127.0.0.1:8010",
    username: "slashbuild",
    password: "pw-1",
    status_secret: "status-secret-0123456789",
    workers: [{ name: "w1", password: "wp" }],
  }),
  "http://ci.example.com:8080",
);

function configWith(environments: Record<string, unknown>, repo: Record<string, unknown> = {}) {
  return makeConfig({
    repos: {
      app: {
        url: "/srv/app.git",
        branch: "main",
        backend: "buildbot",
        commands: ["make test"],
        env: { SHARED: "1" },
        secrets: { TOKEN: "repo-secret", DB: "repo-db" },
        deploy: { commands: ["make deploy", "make smoke"], timeout: "5m", environments },
        ...repo,
      },
    },
  });
}

const cfg = generateMasterCfg(
  configWith({
    production: { env: { REGION: "eu" }, secrets: { PROD_KEY: "prod-secret", DB: "prod-db" } },
    staging: {},
  }),
  bb,
);

/** The generated function that defines one builder, from its comment to its call. */
function section(text: string, heading: string): string {
  const start = text.indexOf(heading);
  if (start < 0) throw new Error(`no ${heading} in master.cfg`);
  const end = text.indexOf("\n# ---", start + heading.length);
  return text.slice(start, end < 0 ? undefined : end);
}

describe("deploy builders in the generated master.cfg", () => {
  const production = section(cfg, "# --- deploy app to production");
  const staging = section(cfg, "# --- deploy app to staging");
  const build = section(cfg, "# --- app:");

  it("gives each environment its own builder and force scheduler, running the deploy commands", () => {
    expect(deployNames(bb, "app", "production")).toEqual({
      builder: "app:deploy:production",
      forceScheduler: "slashbuild-deploy-app-production",
    });
    expect(production).toContain('util.BuilderConfig(name="app:deploy:production", workernames=["w1"]');
    expect(production).toMatch(
      /ForceScheduler\(\s+name="slashbuild-deploy-app-production",\s+builderNames=\["app:deploy:production"\]/,
    );
    expect(production).toContain(
      'name="make deploy", command=["sh", "-c", "make deploy"], env=env, haltOnFailure=True, maxTime=300',
    );
    expect(production).toContain('command=["sh", "-c", "make smoke"]');
    expect(production).not.toContain("make test");
    expect(build).not.toContain("make deploy");
  });

  it("sets SLASHBUILD_ENVIRONMENT, the environment's env, and the previous revision from the request", () => {
    expect(production).toContain('"SLASHBUILD_ENVIRONMENT": "production"');
    expect(production).toContain('"REGION": "eu"');
    expect(production).toContain('"SHARED": "1"');
    expect(production).toContain(
      '"SLASHBUILD_PREVIOUS_REVISION": util.Property("slashbuild_previous_revision", default="")',
    );
    expect(production).toContain('util.StringParameter(name="slashbuild_previous_revision", default="")');
    expect(production).toContain('"SLASHBUILD_REVISION": util.Property("got_revision", default="")');
    expect(staging).toContain('"SLASHBUILD_ENVIRONMENT": "staging"');
    expect(staging).not.toContain("REGION");
  });

  it("renders the repo's secrets and the environment's own only in that environment's deploys, never as values", () => {
    const secret = (name: string) => `util.Interpolate("%(prop:slashbuild_secrets:#?|%(secret:${name})s|)s")`;
    expect(production).toContain(`"TOKEN": ${secret("app__TOKEN")}`);
    expect(production).toContain(`"PROD_KEY": ${secret("app/production/PROD_KEY")}`);
    // The environment's secret of the same name wins, as on the embedded runner.
    expect(production).toContain(`"DB": ${secret("app/production/DB")}`);
    expect(staging).toContain(`"DB": ${secret("app__DB")}`);
    for (const other of [staging, build]) expect(other).not.toContain("app/production/");
    for (const value of ["prod-secret", "prod-db", "repo-secret"]) {
      expect(production).not.toContain(value);
    }
    expect(cfg).toContain('"app/production/PROD_KEY": "prod-secret"');
  });

  it("makes no deploy builder for a repo without deploy:", () => {
    const plain = generateMasterCfg(
      makeConfig({ repos: { app: { url: "/x", backend: "buildbot", commands: ["true"] } } }),
      bb,
    );
    expect(plain).not.toContain(":deploy:");
    expect(plain).not.toContain("slashbuild-deploy-");
  });

  it("keeps scheduler names identifiers, and refuses two environments that would share one", () => {
    const dotted = generateMasterCfg(configWith({ "eu.prod": {} }), bb);
    expect(dotted).toContain('name="slashbuild-deploy-app-eu_prod"');
    expect(dotted).toContain('util.BuilderConfig(name="app:deploy:eu.prod"');
    expect(() => generateMasterCfg(configWith({ "eu.prod": {}, eu_prod: {} }), bb)).toThrow(
      /deploy schedulers of app eu\.prod and app eu_prod would both be named slashbuild-deploy-app-eu_prod/,
    );
  });

  it("keeps hostile environment values inside their Python literals", () => {
    const text = generateMasterCfg(configWith({ x: { env: { EVIL: '"\n__import__("os")#' } } }), bb);
    expect(text).not.toMatch(/^__import__/m);
    expect(text).toContain('"EVIL": "\\"\\n__import__(\\"os\\")#"');
  });
});
