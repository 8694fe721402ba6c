import { tmpdir } from "node:os";
import { stringify } from "yaml";
import type { Config } from "../../src/config/config.js";
import { parseConfig } from "../../src/config/load-config.js";

/**
 * A valid Config through the real loader, so tests exercise the same defaults users get.
 * `overrides` is merged over a minimal document written in the file's own snake_case keys.
 */
export function makeConfig(overrides: Record<string, unknown> = {}, baseDir = tmpdir()): Config {
  const document: Record<string, unknown> = {
    public_url: "http://ci.example.com:8080",
    data_dir: "./data",
    mattermost: { token: "test-token" },
    repos: { app: { url: "/nonexistent/app.git", branch: "main", commands: ["true"] } },
    ...overrides,
  };
  // Repos on Buildbot need a buildbot: section to validate; tests that talk to a real master pass
  // their own BuildbotConfig to the backend, so a placeholder section is enough here.
  const repos = Object.values(document.repos as Record<string, { backend?: string }>);
  if (!document.buildbot && repos.some((repo) => repo.backend === "buildbot")) {
    document.buildbot = {
      url: "http://127.0.0.1:1",
      username: "slashbuild",
      password: "placeholder",
      status_secret: "placeholder-status-secret",
    };
  }
  return parseConfig(stringify(document), { baseDir, env: {} });
}
