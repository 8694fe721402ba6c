import { describe, expect, it } from "vitest";
import { parseBuildCommand } from "../../../src/core/parse-build-command.js";

describe("parseBuildCommand", () => {
  it("reads a repo with optional branch and revision", () => {
    expect(parseBuildCommand("project-example")).toEqual({
      kind: "build",
      repo: "project-example",
      branch: null,
      revision: null,
    });
    expect(parseBuildCommand("  app   dev  ")).toEqual({
      kind: "build",
      repo: "app",
      branch: "dev",
      revision: null,
    });
    expect(parseBuildCommand("app master 1a2b3c4")).toEqual({
      kind: "build",
      repo: "app",
      branch: "master",
      revision: "1a2b3c4",
    });
  });

  it("reads sub-commands, with build numbers with or without #", () => {
    expect(parseBuildCommand("help")).toEqual({ kind: "help" });
    expect(parseBuildCommand("LIST")).toEqual({ kind: "list" });
    expect(parseBuildCommand("status")).toEqual({ kind: "status", target: null });
    expect(parseBuildCommand("status app")).toEqual({ kind: "status", target: { repo: "app" } });
    expect(parseBuildCommand("status #12")).toEqual({ kind: "status", target: { id: 12 } });
    expect(parseBuildCommand("stop 7")).toEqual({ kind: "stop", id: 7 });
    expect(parseBuildCommand("stop #7")).toEqual({ kind: "stop", id: 7 });
    expect(parseBuildCommand("rebuild #3")).toEqual({ kind: "rebuild", id: 3 });
  });

  it("reads `notify me` with a level, or none to ask which one is set", () => {
    expect(parseBuildCommand("notify me failures")).toEqual({ kind: "notify", level: "failures" });
    expect(parseBuildCommand("Notify ME All")).toEqual({ kind: "notify", level: "all" });
    expect(parseBuildCommand("notify me off")).toEqual({ kind: "notify", level: "off" });
    expect(parseBuildCommand("notify me")).toEqual({ kind: "notify", level: null });
  });

  it.each([
    ["notify", /`\/build notify` takes `me` and one of failures, all or off/],
    ["notify failures", /`\/build notify` takes `me`/],
    ["notify bob failures", /`\/build notify` takes `me`/],
    ["notify me sometimes", /one of failures, all or off/],
    ["notify me failures now", /one of failures, all or off/],
    ["notify me failures --again", /`--again` only goes with a build/],
  ])("refuses %j", (text, message) => {
    expect(() => parseBuildCommand(text)).toThrow(message);
  });

  it.each([
    ["", /Tell me what to build/],
    ["stop", /takes one build number/],
    ["stop abc", /takes one build number/],
    ["stop 1 2", /takes one build number/],
    ["rebuild -1", /takes one build number/],
    ["list extra", /takes no arguments/],
    ["status a b", /at most one/],
    ["app main abc123 extra", /optionally a branch and a revision/],
  ])("refuses %j with usage", (text, message) => {
    expect(() => parseBuildCommand(text)).toThrow(message);
    try {
      parseBuildCommand(text);
    } catch (error) {
      expect((error as Error).message).toContain("/build <repo> [branch] [revision]");
      expect((error as { code: string }).code).toBe("COMMAND_MALFORMED");
    }
  });

  it("refuses huge input before splitting it", () => {
    expect(() => parseBuildCommand(`app ${"x".repeat(100_000)}`)).toThrow(/characters long/);
  });
});
