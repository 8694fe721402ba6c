import { describe, expect, it } from "vitest";
import { knownSecrets } from "../../../src/core/known-secrets.js";
import { makeConfig } from "../../helpers/make-config.js";

describe("knownSecrets", () => {
  it("lists every secret in the config: tokens, bot token, session and Buildbot secrets, repo secrets", () => {
    const config = makeConfig({
      mattermost: {
        token: ["slash-1", "slash-2"],
        url: "http://mm.example.com",
        bot_token: "bot-token",
        action_secret: "action-secret-0123456789",
      },
      web: { session_secret: "x".repeat(32) },
      buildbot: {
        url: "http://127.0.0.1:1",
        username: "slashbuild",
        password: "bb-password",
        status_secret: "bb-status-secret-0123",
        workers: [{ name: "w1", password: "worker-pw" }],
      },
      repos: {
        a: { url: "/a", commands: ["true"], secrets: { KEY: "repo-a-key" } },
        b: { url: "/b", commands: ["true"], secrets: { KEY: "repo-b-key", SAME: "repo-a-key" } },
      },
    });
    expect(knownSecrets(config).sort()).toEqual(
      [
        "slash-1",
        "slash-2",
        "bot-token",
        "action-secret-0123456789",
        "x".repeat(32),
        "bb-password",
        "bb-status-secret-0123",
        "worker-pw",
        "repo-a-key",
        "repo-b-key",
      ].sort(),
    );
  });

  it("adds the Git hosts' tokens and webhook secrets, a repo's own webhook secret, the metrics and API tokens", () => {
    const config = makeConfig({
      metrics: { access: "token", token: "metrics-token-0123456789" },
      api: { tokens: { deploy: { token: "api-token-0123456789-0123456789-01", can: ["rebuild"] } } },
      forges: { github: { token: "gh-api-token", webhook_secret: "gh-hook-secret-0123456789" } },
      repos: {
        a: {
          url: "https://github.com/acme/a.git",
          commands: ["true"],
          webhook_secret: "repo-hook-secret-0123456789",
        },
      },
    });
    expect(knownSecrets(config)).toEqual(
      expect.arrayContaining([
        "metrics-token-0123456789",
        "api-token-0123456789-0123456789-01",
        "gh-api-token",
        "gh-hook-secret-0123456789",
        "repo-hook-secret-0123456789",
      ]),
    );
  });
});
