import { describe, expect, it } from "vitest";
import { makeConfig } from "../../helpers/make-config.js";

const TOKEN = "t".repeat(32);

describe("api: and repos.<name>.public_badge", () => {
  it("default to no tokens and no public badges", () => {
    const config = makeConfig();
    expect(config.api).toEqual({ tokens: [] });
    expect(config.repos.app?.publicBadge).toBe(false);
  });

  it("read tokens with their names and what they may do beyond reading", () => {
    const config = makeConfig({
      api: {
        tokens: {
          dashboard: { token: TOKEN },
          "deploy-bot": { token: "u".repeat(40), can: ["rebuild", "stop", "rebuild"] },
        },
      },
      repos: { app: { url: "/x", commands: ["true"], public_badge: true } },
    });
    expect(config.api?.tokens).toEqual([
      { name: "dashboard", token: TOKEN, can: [] },
      { name: "deploy-bot", token: "u".repeat(40), can: ["rebuild", "stop"] },
    ]);
    expect(config.repos.app?.publicBadge).toBe(true);
  });

  it.each([
    [{ tokens: { a: { token: "short" } } }, /api\.tokens\.a\.token: must be at least 32 characters/],
    [{ tokens: { a: { token: TOKEN, can: ["delete"] } } }, /api\.tokens\.a\.can\.0/],
    [{ tokens: { "a b": { token: TOKEN } } }, /token names use letters/],
    [{ tokens: { a: { token: TOKEN, scope: "x" } } }, /unknown key api\.tokens\.a\.scope/],
    [
      { tokens: { a: { token: TOKEN }, b: { token: TOKEN } } },
      /api\.tokens\.b\.token: is the same as tokens\.a\.token/,
    ],
  ])("refuses %j, naming the key", (api, message) => {
    expect(() => makeConfig({ api })).toThrow(message);
  });
});
