import { describe, expect, it } from "vitest";
import {
  buildbotStepNames,
  commandsRun,
  MAX_STEP_NAME,
  stepIndexByName,
} from "../../../../src/backends/buildbot/step-names.js";

describe("step names", () => {
  it("fit Buildbot's 50-character column and stay unique, so steps map back by name", () => {
    const long = `make ${"x".repeat(80)}`;
    const names = buildbotStepNames(["make", "make", long, `${long} again`]);
    expect(names[0]).toBe("checkout");
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name.length).toBeLessThanOrEqual(MAX_STEP_NAME);
    expect(names.slice(1, 3)).toEqual(["make", "make #2"]);
    expect(stepIndexByName(["make", "make"]).get("make #2")).toBe(2);
  });

  it("a deploy's steps are its deploy commands, whether handed its deploy config or the repo as configured", () => {
    const repo = {
      commands: ["make test"],
      deploy: { commands: ["make deploy"], timeoutMs: 1, environments: {} },
    };
    expect(commandsRun({ kind: "deploy" }, repo)).toEqual(["make deploy"]);
    expect(commandsRun({ kind: "build" }, repo)).toEqual(["make test"]);
    expect(commandsRun({}, { commands: ["make test"] })).toEqual(["make test"]);
  });
});
