import { describe, expect, it } from "vitest";
import { listUrl, parseListQuery } from "../../../src/web/list-query.js";

describe("parseListQuery", () => {
  it("turns the filter form into a store filter, leaving empty fields out", () => {
    const query = parseListQuery({
      repo: "app",
      branch: " feature/x ",
      status: "failed",
      requester: "@alice",
      before: "",
    });
    expect(query.filter).toEqual({ repo: "app", branch: "feature/x", status: "failed", requester: "alice" });
    expect(query.values).toEqual({ repo: "app", branch: "feature/x", status: "failed", requester: "alice" });
    expect(query.problems).toEqual([]);
    expect(parseListQuery({}).filter).toEqual({});
  });

  it("pages by build number", () => {
    expect(parseListQuery({ before: "40" }).filter).toEqual({ beforeId: 40 });
  });

  it("ignores bad values with a note instead of failing the page", () => {
    const query = parseListQuery({ status: "exploded", before: "1; DROP TABLE", branch: "b".repeat(300) });
    expect(query.filter).toEqual({});
    expect(query.problems).toHaveLength(3);
    expect(query.problems.join(" ")).toContain('no status "exploded"');
    expect(parseListQuery({ before: "0" }).filter).toEqual({});
    expect(parseListQuery({ status: ["failed", "succeeded"] }).filter).toEqual({});
  });

  it("builds list URLs that keep the filters", () => {
    expect(listUrl({ repo: "app", branch: "a&b", status: "", requester: "" }, 12)).toBe(
      "/?repo=app&branch=a%26b&before=12",
    );
    expect(listUrl({ repo: "", branch: "", status: "", requester: "" })).toBe("/");
  });
});
