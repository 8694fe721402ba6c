import { describe, expect, it } from "vitest";
import { formatHealth } from "../../../src/core/format-health.js";
import { parseBuildCommand } from "../../../src/core/parse-build-command.js";

describe("/build health", () => {
  it("parses as a sub-command without arguments", () => {
    expect(parseBuildCommand("health")).toEqual({ kind: "health" });
    expect(() => parseBuildCommand("health now")).toThrow("takes no arguments");
  });

  it("puts the verdict first, names every failing check, and the queue and outbox with their ages", () => {
    const text = formatHealth({
      ready: false,
      checks: [
        { name: "database", ok: true, detail: "writable" },
        { name: "buildbot", ok: false, detail: "no answer within 3 s" },
      ],
      queue: { depth: 2, oldestAgeMs: 185_000 },
      outbox: { pending: 4, oldestAgeMs: 61_000 },
    });
    expect(text).toBe(
      "slashbuild is **not ready**: database ok (writable) · buildbot **FAILING** (no answer within 3 s) · queue 2, oldest waiting 3m 05s · outbox 4 pending, oldest 1m 01s",
    );
  });
});
