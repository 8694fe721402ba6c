import { describe, expect, it } from "vitest";
import { knownSecrets } from "../../../src/core/known-secrets.js";
import { makeConfig } from "../../helpers/make-config.js";

/** The `deploy:` section as check-config and serve read it (issue 20). */

function withDeploy(
  deploy: unknown,
  repo: Record<string, unknown> = {},
  mattermost: Record<string, unknown> = {},
) {
  return () =>
    makeConfig({
      mattermost: { token: "t", ...mattermost },
      repos: { app: { url: "/x", branch: "main", commands: ["make test"], deploy, ...repo } },
    });
}

describe("repos.<name>.deploy", () => {
  it("reads commands and environments with their defaults", () => {
    const config = withDeploy({
      commands: ["make deploy"],
      environments: {
        staging: { auto: true },
        production: {
          branches: ["release/*", "main"],
          approvals: 1,
          approvers: ["alice"],
          freeze: ["* * * * 5-6"],
          timezone: "Europe/Berlin",
          lock_ttl: "2h",
          secrets: { PROD_TOKEN: "prod-secret-value" },
        },
      },
    })();
    const deploy = config.repos.app?.deploy;
    expect(deploy?.commands).toEqual(["make deploy"]);
    expect(deploy?.timeoutMs).toBe(30 * 60_000);
    expect(deploy?.environments.staging).toMatchObject({
      branches: ["main"],
      defaultBranch: "main",
      auto: true,
      approvals: 0,
      approvers: [],
      lockTtlMs: 8 * 3_600_000,
      approvalExpiryMs: 24 * 3_600_000,
      rollbackApproval: false,
      timezone: null,
    });
    expect(deploy?.environments.production).toMatchObject({
      defaultBranch: "main",
      lockTtlMs: 2 * 3_600_000,
      timezone: "Europe/Berlin",
    });
    // An environment's secrets are masked everywhere, like the repo's.
    expect(knownSecrets(config)).toContain("prod-secret-value");
  });

  it.each([
    [{ environments: { x: {} } }, {}, /deploy\.commands/],
    [{ commands: ["d"], environments: {} }, {}, /needs at least one environment/],
    [{ commands: ["d"], environments: { "bad name": {} } }, {}, /environment names use letters/],
    [
      { commands: ["d"], environments: { x: { freeze: ["every friday"] } } },
      {},
      /freeze\.0: "every friday" is not a cron pattern/,
    ],
    [{ commands: ["d"], environments: { x: { timezone: "Mars/Olympus" } } }, {}, /is not an IANA time zone/],
    [
      { commands: ["d"], environments: { x: { branches: ["release/*"] } } },
      {},
      /needs one branch without a glob/,
    ],
    [
      { commands: ["d"], environments: { x: { secrets: { SLASHBUILD_ENVIRONMENT: "x" } } } },
      {},
      /SLASHBUILD_\* names are slashbuild's own/,
    ],
    [
      { commands: ["d"], environments: { x: { approvals: 2, approvers: ["alice"] } } },
      {},
      /2 approvals need at least 2 people who may approve/,
    ],
    [{ commands: ["d"], environments: { x: { aproovals: 1 } } }, {}, /unknown key .*aproovals/],
  ])("refuses %j", (deploy, repo, message) => {
    expect(withDeploy(deploy, repo)).toThrow(message);
  });

  it("deploys on Buildbot too: a repo there gets deploy builders (backends/buildbot)", () => {
    const deploy = { commands: ["make deploy"], environments: { production: {} } };
    const config = withDeploy(deploy, { backend: "buildbot" })();
    expect(config.repos.app?.backend).toBe("buildbot");
    expect(config.repos.app?.deploy?.environments.production?.name).toBe("production");
  });

  it("counts admins among who may approve", () => {
    const deploy = { commands: ["d"], environments: { x: { approvals: 2, approvers: ["alice"] } } };
    expect(withDeploy(deploy, {}, { admins: ["root"] })().repos.app?.deploy?.environments.x?.approvals).toBe(
      2,
    );
  });
});
