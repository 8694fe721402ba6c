import { describe, expect, it } from "vitest";
import { parseDeployCommand } from "../../../../src/core/deploys/parse-deploy-command.js";
import { parseBuildCommand } from "../../../../src/core/parse-build-command.js";

describe("parseDeployCommand", () => {
  it.each([
    [
      "deploy app production",
      { action: "deploy", repo: "app", environment: "production", target: null, force: false },
    ],
    [
      "deploy app production #12",
      { action: "deploy", repo: "app", environment: "production", target: { build: 12 }, force: false },
    ],
    [
      "DEPLOY app production abc1234 --force",
      {
        action: "deploy",
        repo: "app",
        environment: "production",
        target: { revision: "abc1234" },
        force: true,
      },
    ],
    ["rollback app production", { action: "rollback", repo: "app", environment: "production", force: false }],
    ["approve 12", { action: "approve", id: 12, reason: null }],
    ["approve #12", { action: "approve", id: 12, reason: null }],
    ["reject 12 not during the sale", { action: "reject", id: 12, reason: "not during the sale" }],
    [
      "lock app production db migration",
      { action: "lock", repo: "app", environment: "production", reason: "db migration" },
    ],
    ["unlock app production", { action: "unlock", repo: "app", environment: "production" }],
    ["envs", { action: "envs", repo: null }],
    ["envs app", { action: "envs", repo: "app" }],
    ["history app production", { action: "history", repo: "app", environment: "production" }],
  ])("%s", (text, expected) => {
    expect(parseDeployCommand(text)).toEqual(expected);
    expect(parseBuildCommand(text)).toEqual({ kind: "deploy", command: expected });
  });

  it("leaves everything else to the build grammar", () => {
    expect(parseDeployCommand("app main")).toBeNull();
    expect(parseBuildCommand("app main")).toMatchObject({ kind: "build", repo: "app", branch: "main" });
  });

  it.each([
    "deploy app",
    "deploy app production abc extra",
    "deploy app production #x",
    "rollback app",
    "approve",
    "approve twelve",
    "approve 12 because",
    "lock app",
    "unlock app production now",
    "envs app production",
    "history app",
    "lock app production --force",
  ])("refuses %s with the usage", (text) => {
    expect(() => parseDeployCommand(text)).toThrow(expect.objectContaining({ code: "COMMAND_MALFORMED" }));
  });
});
