import { describe, expect, it } from "vitest";
import { compareUrlOf, configuredForges } from "../../../src/forges/configured-forges.js";
import { FORGE_HOSTS } from "../../../src/forges/forge-hosts.js";
import { makeConfig } from "../../helpers/make-config.js";

/** Each Git host's page comparing two commits, linked from a deploy's approval request (issue 20). */

const FROM = "1".repeat(40);
const TO = "2".repeat(40);

function linkFor(forges: Record<string, unknown>, repo: Record<string, unknown>): string | null {
  const config = makeConfig({
    forges,
    repos: { app: { url: "https://example.com/x.git", commands: ["true"], ...repo } },
  });
  const app = config.repos.app;
  if (!app) throw new Error("no repo");
  return compareUrlOf(configuredForges(config, FORGE_HOSTS))(app, FROM, TO);
}

describe("compare links", () => {
  it.each([
    [{ github: {} }, "https://github.com/acme/app/compare/"],
    [{ github: { api_url: "https://ghe.example.com/api/v3" } }, "https://ghe.example.com/acme/app/compare/"],
    [{ gitea: { api_url: "https://git.example.com/api/v1" } }, "https://git.example.com/acme/app/compare/"],
    [{ gitlab: {} }, "https://gitlab.com/acme/app/-/compare/"],
    [
      { gitlab: { api_url: "https://gitlab.example.com/api/v4" } },
      "https://gitlab.example.com/acme/app/-/compare/",
    ],
  ])("%j", (forges, base) => {
    expect(linkFor(forges, { full_name: "acme/app" })).toBe(`${base}${FROM}...${TO}`);
  });

  it("is none for a repo on no configured host", () => {
    expect(linkFor({}, { full_name: "acme/app" })).toBeNull();
  });
});
