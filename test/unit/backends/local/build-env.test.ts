import { describe, expect, it } from "vitest";
import { buildEnv } from "../../../../src/backends/local/build-env.js";

const build = { id: 42, repo: "app", branch: "feature/x", requester: "alice" };
const repo = { env: { EDITOR: "/usr/bin/vim", SLASHBUILD_REPO: "forged" }, secrets: { API_KEY: "k3y" } };
const sha = "0123456789abcdef0123456789abcdef01234567";

describe("buildEnv", () => {
  it("passes through only what a shell needs, never the service's own secrets", () => {
    const env = buildEnv(build, repo, sha, {
      PATH: "/custom/bin",
      HOME: "/home/ci",
      LANG: "C.UTF-8",
      TZ: "UTC",
      USER: "ci",
      SLASHBUILD_TOKEN: "mattermost-token",
      AWS_SECRET_ACCESS_KEY: "aws",
    });
    expect(env.PATH).toBe("/custom/bin");
    expect(env.HOME).toBe("/home/ci");
    expect(env.LANG).toBe("C.UTF-8");
    expect(env.TZ).toBe("UTC");
    expect(env.USER).toBe("ci");
    expect(env).not.toHaveProperty("SLASHBUILD_TOKEN");
    expect(env).not.toHaveProperty("AWS_SECRET_ACCESS_KEY");
    expect(env).not.toHaveProperty("LC_ALL");
  });

  it("adds repo env, secrets and SLASHBUILD_* (which the config cannot override)", () => {
    const env = buildEnv(build, repo, sha, {});
    expect(env).toMatchObject({
      EDITOR: "/usr/bin/vim",
      API_KEY: "k3y",
      SLASHBUILD_REPO: "app",
      SLASHBUILD_BRANCH: "feature/x",
      SLASHBUILD_REVISION: sha,
      SLASHBUILD_BUILD_ID: "42",
      SLASHBUILD_USER: "alice",
    });
    expect(env.PATH).toBeTruthy();
  });
});
