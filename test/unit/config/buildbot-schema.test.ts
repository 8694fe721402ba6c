import { describe, expect, it } from "vitest";
import { buildbotConfigSchema, toBuildbotConfig } from "../../../src/config/buildbot-schema.js";

const minimal = {
  url: "http://bb.example.com:8010/",
  username: "slashbuild",
  password: "pw",
  status_secret: "0123456789abcdef",
};

describe("buildbotConfigSchema", () => {
  it("applies defaults and maps to the frozen camelCase config", () => {
    const config = toBuildbotConfig(buildbotConfigSchema.parse(minimal), "http://ci.example.com:8080/");
    expect(config).toMatchObject({
      url: "http://bb.example.com:8010",
      trigger: "force",
      statusUrl: "http://ci.example.com:8080/buildbot/status",
      reconcileIntervalMs: 30_000,
      followIntervalMs: 2_000,
      requestTimeoutMs: 2_500,
      projectTemplate: "{repo}",
      category: "slashbuild",
      workers: [],
      workerPort: 9989,
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(config.names("app")).toEqual({
      builder: "app",
      forceScheduler: "slashbuild-force-app",
      changeScheduler: "slashbuild-change-app",
    });
  });

  it("takes per-repo names for an existing master and durations in human units", () => {
    const config = toBuildbotConfig(
      buildbotConfigSchema.parse({
        ...minimal,
        trigger: "change_hook",
        reconcile_interval: "2m",
        request_timeout: 1,
        builders: { app: { builder: "app-linux", force_scheduler: "force-app" } },
      }),
      "http://x",
    );
    expect(config.names("app")).toMatchObject({ builder: "app-linux", forceScheduler: "force-app" });
    // A repo name may hold '.', a force scheduler's may not (Buildbot refuses the master.cfg).
    expect(config.names("web.site")).toMatchObject({
      builder: "web.site",
      forceScheduler: "slashbuild-force-web_site",
    });
    expect(config).toMatchObject({
      trigger: "change_hook",
      reconcileIntervalMs: 120_000,
      requestTimeoutMs: 1000,
    });
  });

  it.each([
    [{ ...minimal, extra: 1 }, "Unrecognized key"],
    [{ ...minimal, status_secret: "short" }, "at least 16 characters"],
    [{ ...minimal, trigger: "poll" }, "trigger"],
    [{ ...minimal, url: "ftp://bb" }, "http(s) URL"],
    [{ ...minimal, reconcile_interval: "soon" }, "not a duration"],
    [{ ...minimal, workers: [{ name: "w 1", password: "x" }] }, "letters, digits"],
    [{ ...minimal, builders: { app: { force_scheduler: "force.app" } } }, "Buildbot wants an identifier"],
    [{ ...minimal, builders: { app: { force_scheduler: "1force" } } }, "not starting with a digit"],
    [{ ...minimal, www_interface: "buildbot.example.com" }, "must be an IP address"],
    [{ ...minimal, worker_interface: "127.0.0.1:9989" }, "must be an IP address"],
  ])("refuses %j", (input, message) => {
    const result = buildbotConfigSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain(message);
  });
});
