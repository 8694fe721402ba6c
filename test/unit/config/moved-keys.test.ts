import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/config/load-config.js";
import { MOVED_KEYS, moveKeys } from "../../../src/config/moved-keys.js";
import type { SlashbuildError } from "../../../src/core/errors.js";

/** Who may build where moved from `mattermost:` to `access:` (issue 19); a file in the old shape keeps working. */

const REPOS = "repos: {app: {url: /x, commands: ['true']}}";

function parse(text: string) {
  return parseConfig(`public_url: http://ci\n${text}\n${REPOS}\n`, { baseDir: "/srv", env: {} });
}

function refusal(text: string): string {
  try {
    parse(text);
  } catch (error) {
    expect((error as SlashbuildError).code).toBe("CONFIG_INVALID");
    return (error as Error).message;
  }
  throw new Error("the config was accepted");
}

describe("keys that moved", () => {
  it("reads mattermost.channels and mattermost.admins as access:, and says which keys moved", () => {
    const old = parse("mattermost: {token: t, channels: [ci], admins: [alice]}");
    expect(old.access).toEqual({ channels: ["ci"], admins: ["alice"] });
    expect(old.movedKeys).toEqual(MOVED_KEYS);
    const current = parse("mattermost: {token: t}\naccess: {channels: [ci], admins: [alice]}");
    expect(current.access).toEqual(old.access);
    expect(current.movedKeys).toEqual([]);
  });

  it("defaults to every channel and no admins", () => {
    expect(parse("mattermost: {token: t}").access).toEqual({ channels: null, admins: [] });
  });

  it("refuses a key set in both places, naming the old one and the place to keep", () => {
    expect(refusal("mattermost: {token: t, admins: [alice]}\naccess: {admins: [bob]}")).toContain(
      "mattermost.admins: has moved to access.admins, which this file sets too: keep only access.admins",
    );
  });

  it("reports a bad value of a key in its old place under the name the file uses", () => {
    expect(refusal("mattermost: {token: t, channels: ci}")).toMatch(/- mattermost\.channels: /);
  });

  it("leaves the document it was given as it was", () => {
    const document = { mattermost: { token: "t", admins: ["alice"] } };
    const { document: moved } = moveKeys(document);
    expect(document).toEqual({ mattermost: { token: "t", admins: ["alice"] } });
    expect(moved).toEqual({ mattermost: { token: "t" }, access: { admins: ["alice"] } });
  });
});
