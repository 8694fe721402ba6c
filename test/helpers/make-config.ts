import { stringify } from "yaml";
import type { Config } from "../../src/config/config.js";
import { parseConfig } from "../../src/config/load-config.js";

/**
 * A valid Config through the real loader, so tests exercise the same defaults users get.
 * `overrides` is merged over a minimal document written in the file's own snake_case keys.
 */
export function makeConfig(overrides: Record<string, unknown> = {}, baseDir = "/tmp"): Config {
  const document = {
    public_url: "http://ci.example.com:8080",
    data_dir: "./data",
    mattermost: { token: "test-token" },
    repos: { app: { url: "/nonexistent/app.git", branch: "main", commands: ["true"] } },
    ...overrides,
  };
  return parseConfig(stringify(document), { baseDir, env: {} });
}
