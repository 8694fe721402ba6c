import { describe, expect, it } from "vitest";
import { renderBadge } from "../../../src/web/badge/render-badge.js";

describe("renderBadge", () => {
  it.each([
    ["succeeded", "passing", "#4c1"],
    ["failed", "failing", "#e05d44"],
    ["timed_out", "timed out", "#e05d44"],
    ["unknown", "unknown", "#9f9f9f"],
  ] as const)("%s: build | %s, readable by screen readers", (verdict, word, colour) => {
    const svg = renderBadge(verdict);
    expect(svg).toContain(`aria-label="build: ${word}"`);
    expect(svg).toContain(`<title>build: ${word}</title>`);
    expect(svg).toContain(`fill="${colour}"`);
    expect(svg.match(new RegExp(`>${word}</text>`, "g"))).toHaveLength(2);
  });

  it("sizes each half to its text, and the whole to both", () => {
    const width = (svg: string) => Number(/^<svg[^>]* width="(\d+)"/.exec(svg)?.[1]);
    expect(width(renderBadge("timed_out"))).toBeGreaterThan(width(renderBadge("failed")));
    for (const verdict of ["succeeded", "failed", "timed_out", "unknown"] as const) {
      const svg = renderBadge(verdict);
      const rects = [...svg.matchAll(/<rect (?:x="\d+" )?width="(\d+)" height="20" fill="#/g)].map((m) =>
        Number(m[1]),
      );
      expect((rects[0] as number) + (rects[1] as number)).toBe(width(svg));
    }
  });
});
