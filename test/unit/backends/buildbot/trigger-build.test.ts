import { describe, expect, it } from "vitest";
import type { BuildbotClient } from "../../../../src/backends/buildbot/buildbot-client.js";
import { OLD_INTEGRATION_PROJECT } from "../../../../src/backends/buildbot/buildbot-properties.js";
import {
  buildbotBranch,
  changeFields,
  forceParams,
  triggerBuild,
} from "../../../../src/backends/buildbot/trigger-build.js";
import { buildbotConfigSchema, toBuildbotConfig } from "../../../../src/config/buildbot-schema.js";
import type { Build } from "../../../../src/core/build.js";
import { deployRepoConfig } from "../../../../src/core/deploys/deploy-repo-config.js";
import { makeConfig } from "../../../helpers/make-config.js";

const build = { id: 12, branch: "feature/x", requestedRevision: "abc1234", requester: "alice" } as Build;
const repo = makeConfig({ repos: { app: { url: "/srv/app.git", backend: "buildbot", commands: ["true"] } } })
  .repos.app;

describe("trigger parameters", () => {
  it("force: branch, exact revision and the correlation and requester properties", () => {
    expect(forceParams(build)).toEqual({
      branch: "feature/x",
      revision: "abc1234",
      reason: "/build #12 by @alice",
      slashbuild_build_id: "12",
      slashbuild_user: "alice",
      slashbuild_secrets: "yes",
    });
    expect(forceParams({ ...build, requestedRevision: null }).revision).toBe("");
  });

  it("change hook: the old integration's fields and project naming, properties as a JSON string", () => {
    const bb = toBuildbotConfig(
      buildbotConfigSchema.parse({
        url: "http://bb:8010",
        username: "u",
        password: "p",
        status_secret: "0123456789abcdef",
        project: OLD_INTEGRATION_PROJECT,
      }),
      "http://x",
    );
    const fields = changeFields(build, repo as NonNullable<typeof repo>, bb);
    expect(fields).toMatchObject({
      category: "slashbuild",
      project: "mattermost_build_app_feature/x",
      branch: "feature/x",
      revision: "abc1234",
      repository: "/srv/app.git",
      author: "alice",
    });
    expect(JSON.parse(fields.properties as string)).toEqual({
      slashbuild_build_id: "12",
      slashbuild_user: "alice",
      slashbuild_secrets: "yes",
    });
  });
});

describe("pull request builds on Buildbot", () => {
  /** A pull request build as a host's decoder leaves it: the host named its head ref. */
  const pr = (forge: "github" | "gitea" | "gitlab", number: number, headRef?: string) =>
    ({
      ...build,
      branch: `pull/${number}`,
      requestedRevision: "a".repeat(40),
      trigger: {
        kind: "pull_request",
        forge,
        number,
        title: "t",
        url: null,
        author: "bob",
        fork: false,
        headRef:
          headRef ?? (forge === "gitlab" ? `refs/merge-requests/${number}/head` : `refs/pull/${number}/head`),
        noun: "Pull request",
        reference: `#${number}`,
      },
    }) as Build;

  it("the Git step fetches the ref the host published the PR head at, and checks out the exact head sha", () => {
    expect(forceParams(pr("github", 7))).toMatchObject({
      branch: "refs/pull/7/head",
      revision: "a".repeat(40),
    });
    expect(forceParams(pr("gitlab", 9)).branch).toBe("refs/merge-requests/9/head");
    expect(forceParams(pr("github", 3, "refs/reviews/3/head")).branch).toBe("refs/reviews/3/head");
    expect(buildbotBranch(build)).toBe("feature/x");
  });

  it("a stored head ref that is not a plain ref never reaches the worker's git", () => {
    for (const bad of [
      "--upload-pack=touch /tmp/x",
      "refs/pull/7/head;id",
      "refs/../../etc",
      "refs/pull/7/HEAD",
      "main",
    ]) {
      expect(() => forceParams(pr("github", 7, bad))).toThrow(
        expect.objectContaining({ code: "REQUEST_INVALID" }),
      );
    }
  });

  it("the change hook names the same ref in branch and project, so the scheduler's filter matches", () => {
    const bb = toBuildbotConfig(
      buildbotConfigSchema.parse({
        url: "http://bb:8010",
        username: "u",
        password: "p",
        status_secret: "0123456789abcdef",
        project: OLD_INTEGRATION_PROJECT,
      }),
      "http://x",
    );
    const fields = changeFields(pr("gitlab", 4), repo as NonNullable<typeof repo>, bb);
    expect(fields).toMatchObject({
      branch: "refs/merge-requests/4/head",
      project: "mattermost_build_app_refs/merge-requests/4/head",
    });
  });

  it("a fork's pull request is forced without the secrets property, on both trigger paths", () => {
    const fork = {
      ...pr("github", 7),
      trigger: { ...(pr("github", 7).trigger as object), fork: true },
    } as Build;
    expect(forceParams(fork).slashbuild_secrets).toBe("");
    expect(forceParams(pr("github", 7)).slashbuild_secrets).toBe("yes");
    const bb = toBuildbotConfig(
      buildbotConfigSchema.parse({
        url: "http://bb:8010",
        username: "u",
        password: "p",
        status_secret: "0123456789abcdef",
      }),
      "http://x",
    );
    const properties = JSON.parse(
      changeFields(fork, repo as NonNullable<typeof repo>, bb).properties as string,
    );
    expect(properties.slashbuild_secrets).toBe("");
  });
});

describe("a deploy's trigger", () => {
  const deployConfig = makeConfig({
    repos: {
      app: {
        url: "/srv/app.git",
        backend: "buildbot",
        commands: ["true"],
        deploy: { commands: ["make deploy"], environments: { production: {} } },
      },
    },
  });
  const configured = deployConfig.repos.app;
  if (!configured?.deploy?.environments.production) throw new Error("no production");
  const runs = deployRepoConfig(configured, configured.deploy, configured.deploy.environments.production, {
    previousRevision: "1111111111111111111111111111111111111111",
  });
  const deploy = {
    ...build,
    id: 15,
    branch: "main",
    requestedRevision: "2222222222222222222222222222222222222222",
    kind: "deploy",
    environment: "production",
    trigger: null,
  } as Build;

  it.each(["force", "change_hook"] as const)(
    "is forced on its environment's deploy scheduler with the previous revision (trigger: %s)",
    async (trigger) => {
      const forced: { scheduler: string; params: Record<string, string> }[] = [];
      const client = {
        force: async (scheduler: string, params: Record<string, string>) => {
          forced.push({ scheduler, params });
          return { buildsetId: 7, buildRequestIds: { "3": 9 } };
        },
        postChange: async () => {
          throw new Error("a deploy must not go through the change hook");
        },
      } as unknown as BuildbotClient;
      const bbConfig = toBuildbotConfig(
        buildbotConfigSchema.parse({
          url: "http://127.0.0.1:8010",
          username: "slashbuild",
          password: "pw",
          status_secret: "status-secret-0123456789",
          trigger,
        }),
        "http://ci.example.com",
      );
      expect(await triggerBuild(client, bbConfig, deploy, runs)).toEqual({
        buildsetid: 7,
        buildrequestid: 9,
      });
      expect(forced).toEqual([
        {
          scheduler: "slashbuild-deploy-app-production",
          params: {
            branch: "main",
            revision: "2222222222222222222222222222222222222222",
            reason: "deploy #15 to production by @alice",
            slashbuild_build_id: "15",
            slashbuild_user: "alice",
            slashbuild_secrets: "yes",
            slashbuild_previous_revision: "1111111111111111111111111111111111111111",
          },
        },
      ]);
    },
  );
});
