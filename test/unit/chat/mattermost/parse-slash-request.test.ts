import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { extractToken, parseSlashRequest } from "../../../../src/chat/mattermost/parse-slash-request.js";
import { isSlashbuildError } from "../../../../src/core/errors.js";

const form = JSON.parse(
  readFileSync(
    new URL("../../../fixtures/mattermost/slash-command-request.form.json", import.meta.url),
    "utf8",
  ),
) as Record<string, string>;

describe("parseSlashRequest", () => {
  it("maps Mattermost's form fields to a ChatCommand", () => {
    const parsed = parseSlashRequest(form, {});
    expect(parsed).toEqual({
      token: "cuzrenun5z3jqip98q1zxoi65f",
      command: {
        text: "api v2.3.1 to ~deployments cc @bob",
        user: { id: "sfogyr3xkxwnrek8pk3yr9oudo", name: "alice" },
        channel: { id: "1vrjnvgfygwwqc38hyf9sxmeco", name: "town-square" },
      },
      responseUrl: "https://chat.example.com/hooks/commands/6gt6mjxk87au5bhxtpdpff5e8i",
    });
  });

  it("accepts repeated keys as arrays (user_mentions) and takes the first value of a repeated field", () => {
    const parsed = parseSlashRequest(
      {
        ...form,
        user_mentions: ["bob", "carol"],
        user_mentions_ids: ["b1", "c1"],
        text: ["first", "second"],
      },
      {},
    );
    expect(parsed.command.text).toBe("first");
  });

  it("keeps hostile text verbatim: judging it is the core's job", () => {
    const text = "  app --upload-pack=touch%20x main;rm -rf / $(id) `id` <!channel>";
    expect(parseSlashRequest({ ...form, text }, {}).command.text).toBe(text);
  });

  it("gives empty text when there are no arguments", () => {
    const { text: _omit, ...rest } = form;
    expect(parseSlashRequest(rest, {}).command.text).toBe("");
  });

  it("refuses a request without the identity fields the core needs", () => {
    const { user_id: _omit, ...rest } = form;
    try {
      parseSlashRequest(rest, {});
      expect.unreachable();
    } catch (error) {
      expect(isSlashbuildError(error) && error.code).toBe("REQUEST_INVALID");
      expect((error as Error).message).toContain("user_id");
    }
  });

  it("has a null responseUrl when none is sent", () => {
    expect(parseSlashRequest({ ...form, response_url: "" }, {}).responseUrl).toBeNull();
  });
});

describe("extractToken", () => {
  it("reads the form field first", () => {
    expect(extractToken({ token: "from-form" }, { authorization: "Token from-header" })).toBe("from-form");
  });

  it("falls back to Authorization: Token <t> (any case of the scheme)", () => {
    expect(extractToken({}, { authorization: "Token abc" })).toBe("abc");
    expect(extractToken({}, { authorization: "token abc" })).toBe("abc");
  });

  it("ignores other schemes and absent tokens", () => {
    expect(extractToken({}, { authorization: "Bearer abc" })).toBeNull();
    expect(extractToken({}, {})).toBeNull();
    expect(extractToken({ token: "" }, {})).toBeNull();
  });
});
