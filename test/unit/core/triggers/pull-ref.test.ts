import { describe, expect, it } from "vitest";
import { checkPullHeadRef, PULL_HEAD_REF, pullHeadRef } from "../../../../src/core/triggers/pull-ref.js";

describe("pull request head refs", () => {
  it("are the host's pattern with the number in place of its `*`", () => {
    expect(pullHeadRef("refs/pull/*/head", 7)).toBe("refs/pull/7/head");
    expect(pullHeadRef("refs/merge-requests/*/head", 12)).toBe("refs/merge-requests/12/head");
  });

  it("a number that is not a positive whole number names no ref", () => {
    for (const bad of [0, -3, 1.5, Number.NaN, 2 ** 60]) {
      expect(() => pullHeadRef("refs/pull/*/head", bad)).toThrow(
        expect.objectContaining({ code: "REQUEST_INVALID" }),
      );
    }
  });

  it("only plain lower-case ref paths pass: nothing git or a shell would read as more", () => {
    for (const good of ["refs/pull/7/head", "refs/merge-requests/7/head", "refs/reviews/4/head"]) {
      expect(checkPullHeadRef(good)).toBe(good);
    }
    for (const bad of [
      "-refs/pull/7/head",
      "refs/pull/../7",
      "refs/pull/7/head ",
      "refs/pull/$(id)/head",
      "refs/x",
      "refs/pull/*/head",
    ]) {
      expect(bad).not.toMatch(PULL_HEAD_REF);
      expect(() => checkPullHeadRef(bad)).toThrow(expect.objectContaining({ code: "REQUEST_INVALID" }));
    }
  });
});
