import { describe, expect, it } from "vitest";
import {
  deriveActionSecret,
  signAction,
  verifyAction,
} from "../../../../src/chat/mattermost/action-signature.js";

const KEY = "a-long-enough-action-secret-key";
const NOW = Date.UTC(2026, 10, 30, 4, 0, 0);
const DAY = 86_400_000;
const sign = (action: "stop" | "rebuild" | "log", build: number, now = NOW) =>
  signAction(KEY, action, build, { now, lifetimeMs: 30 * DAY });

describe("button signatures", () => {
  it("verifies what it signed, until it expires", () => {
    expect(verifyAction(KEY, sign("stop", 12), NOW)).toEqual({ ok: true, action: "stop", build: 12 });
    expect(verifyAction(KEY, sign("log", 3), NOW + 30 * DAY - 1000)).toEqual({
      ok: true,
      action: "log",
      build: 3,
    });
  });

  it("refuses a context after its lifetime, and one whose expiry was pushed back", () => {
    expect(verifyAction(KEY, sign("rebuild", 12), NOW + 30 * DAY)).toEqual({ ok: false, reason: "expired" });
    const old = sign("rebuild", 12);
    // Moving `exp` later breaks the signature: the expiry is signed.
    expect(verifyAction(KEY, { ...old, exp: old.exp + 365 * 86_400 }, NOW + 30 * DAY)).toEqual({
      ok: false,
      reason: "signature",
    });
  });

  it.each([
    ["another build", { ...sign("stop", 12), build: 13 }],
    ["another action", { ...sign("stop", 12), action: "rebuild" }],
    ["another key", signAction("some-other-secret-entirely", "stop", 12, { now: NOW, lifetimeMs: DAY })],
    ["a signature of the right length from elsewhere", { ...sign("stop", 12), sig: sign("stop", 13).sig }],
  ])("refuses %s as unsigned", (_what, context) => {
    expect(verifyAction(KEY, context, NOW)).toEqual({ ok: false, reason: "signature" });
  });

  it.each([
    ["an unknown field", { ...sign("log", 3), extra: "ignored" }],
    ["a truncated signature", { ...sign("stop", 12), sig: sign("stop", 12).sig.slice(0, 20) }],
    ["no signature", { action: "stop", build: 12, exp: 1 }],
    ["a v1 context (no expiry)", { action: "stop", build: 12, sig: sign("stop", 12).sig }],
    ["an unknown action", { ...sign("stop", 12), action: "deploy" }],
    ["a string build number", { ...sign("stop", 12), build: "12" }],
    ["a fractional expiry", { ...sign("stop", 12), exp: 1.5 }],
    ["an array signature", { ...sign("stop", 12), sig: [sign("stop", 12).sig] }],
    ["no context", undefined],
    ["a string context", "stop 12"],
    ["an array", [sign("stop", 12)]],
  ])("refuses %s as malformed", (_what, context) => {
    expect(verifyAction(KEY, context, NOW)).toEqual({ ok: false, reason: "malformed" });
  });

  it("derives a stable key from the slash token unless one is configured", () => {
    expect(deriveActionSecret(null, ["tok"])).toBe(deriveActionSecret(null, ["tok", "other"]));
    expect(deriveActionSecret(null, ["tok"])).not.toBe(deriveActionSecret(null, ["tok2"]));
    expect(deriveActionSecret(null, ["tok"])).not.toContain("tok");
    expect(deriveActionSecret(KEY, ["tok"])).toBe(KEY);
  });
});
