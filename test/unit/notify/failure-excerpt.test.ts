import { describe, expect, it } from "vitest";
import { codeBlock, extractFailureExcerpt } from "../../../src/notify/failure-excerpt.js";

const lines = (n: number, prefix = "line") => Array.from({ length: n }, (_, i) => `${prefix} ${i + 1}`);

describe("extractFailureExcerpt", () => {
  it("keeps the last lines of the failing command", () => {
    const excerpt = extractFailureExcerpt(`${lines(50).join("\n")}\n\n`, { tailLines: 3 });
    expect(excerpt).toBe("line 48\nline 49\nline 50");
  });

  it("puts the first error-looking lines first when they scrolled out of the tail", () => {
    const log = [
      ...lines(5),
      "src/a.c:3: error: expected ';'",
      "  int x",
      ...lines(30, "noise"),
      "make: *** [all] Error 2",
    ];
    const excerpt = extractFailureExcerpt(log.join("\n"), { tailLines: 2, errorLines: 2 });
    expect(excerpt).toBe("src/a.c:3: error: expected ';'\n  int x\n…\nnoise 30\nmake: *** [all] Error 2");
  });

  it("masks secrets, strips colours and progress redraws", () => {
    const log = "\u001b[31mFAIL\u001b[0m token=s3cr3t-token-value\n10%\r50%\r100% done\n";
    expect(extractFailureExcerpt(log, { secrets: ["s3cr3t-token-value"] })).toBe(
      "FAIL token=****\n100% done",
    );
  });

  it("fits a budget, keeping the end, and cuts very long lines", () => {
    const excerpt =
      extractFailureExcerpt(`${"x".repeat(5000)}\n${lines(100).join("\n")}`, {
        tailLines: 1000,
        maxRunes: 200,
      }) ?? "";
    expect(Array.from(excerpt).length).toBeLessThanOrEqual(200);
    expect(excerpt.startsWith("…\n")).toBe(true);
    expect(excerpt.endsWith("line 100")).toBe(true);
    const long = extractFailureExcerpt("y".repeat(1000)) ?? "";
    expect(Array.from(long).length).toBe(300);
  });

  it("has nothing to say about an empty log", () => {
    expect(extractFailureExcerpt("\n\n")).toBeNull();
  });
});

describe("codeBlock", () => {
  it("cannot be closed from inside, and mentions in it are inert", () => {
    const block = codeBlock("```\n@channel look\n```");
    expect(block.startsWith("```\n")).toBe(true);
    expect(block.endsWith("\n```")).toBe(true);
    expect(block.slice(4, -4)).not.toContain("```");
    expect(block).not.toMatch(/@channel/);
  });
});
