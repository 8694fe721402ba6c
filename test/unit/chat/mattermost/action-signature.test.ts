import { describe, expect, it } from "vitest";
import {
  deriveActionSecret,
  signAction,
  verifyAction,
} from "../../../../src/chat/mattermost/action-signature.js";

const KEY = "a-long-enough-action-secret-key";

describe("button signatures", () => {
  it("verifies what it signed", () => {
    expect(verifyAction(KEY, signAction(KEY, "stop", 12))).toEqual({ action: "stop", build: 12 });
    expect(verifyAction(KEY, { ...signAction(KEY, "log", 3), extra: "ignored" })).toEqual({
      action: "log",
      build: 3,
    });
  });

  it.each([
    ["another build", { ...signAction(KEY, "stop", 12), build: 13 }],
    ["another action", { ...signAction(KEY, "stop", 12), action: "rebuild" }],
    ["another key", signAction("some-other-secret-entirely", "stop", 12)],
    [
      "a truncated signature",
      { ...signAction(KEY, "stop", 12), sig: signAction(KEY, "stop", 12).sig.slice(0, 20) },
    ],
    ["no signature", { action: "stop", build: 12 }],
    ["an unknown action", { ...signAction(KEY, "stop", 12), action: "deploy" }],
    ["a string build number", { ...signAction(KEY, "stop", 12), build: "12" }],
    ["no context", undefined],
    ["a string context", "stop 12"],
  ])("refuses %s", (_what, context) => {
    expect(verifyAction(KEY, context)).toBeNull();
  });

  it("derives a stable key from the slash token unless one is configured", () => {
    expect(deriveActionSecret(null, ["tok"])).toBe(deriveActionSecret(null, ["tok", "other"]));
    expect(deriveActionSecret(null, ["tok"])).not.toBe(deriveActionSecret(null, ["tok2"]));
    expect(deriveActionSecret(null, ["tok"])).not.toContain("tok");
    expect(deriveActionSecret(KEY, ["tok"])).toBe(KEY);
  });
});
