import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ERROR_CODES, SlashbuildError } from "../../../src/core/errors.js";
import { INTERNAL_ERROR } from "../../../src/http/error-handler.js";
import { readSources } from "../../architecture/import-graph.js";

/** docs/errors.md, core/errors.ts and the code that throws agree on the error codes. */

const root = new URL("../../../", import.meta.url).pathname;
const docs = readFileSync(new URL("docs/errors.md", `file://${root}`), "utf8");

/** Code → the HTTP column of its row ("—" where none applies). */
function documented(): Map<string, string> {
  const codes = new Map<string, string>();
  for (const line of docs.split("\n")) {
    const cells = line.split("|").map((cell) => cell.trim());
    if (!line.startsWith("|") || cells.length < 4) continue;
    for (const match of (cells[1] ?? "").matchAll(/`([A-Z][A-Z_]+)`/g))
      codes.set(match[1] as string, cells[2] ?? "");
  }
  return codes;
}

/** Codes that appear as the first argument of `new SlashbuildError(` somewhere in src/. */
function thrown(): Set<string> {
  const codes = new Set<string>();
  for (const [file, text] of readSources(root)) {
    if (file === "src/core/errors.ts") continue;
    for (const match of text.matchAll(/new SlashbuildError\(\s*"([A-Z_]+)"/g)) codes.add(match[1] as string);
  }
  return codes;
}

describe("error codes", () => {
  const table = documented();

  it("are each documented in docs/errors.md, with their HTTP status", () => {
    expect(ERROR_CODES.filter((code) => !table.has(code))).toEqual([]);
    for (const code of ERROR_CODES) {
      const http = table.get(code);
      if (http && http !== "—")
        expect([code, Number(http)]).toEqual([code, new SlashbuildError(code, "").httpStatus]);
    }
  });

  it("documented are all real", () => {
    const known = new Set<string>(ERROR_CODES);
    expect([...table.keys()].filter((code) => !known.has(code))).toEqual([]);
  });

  it("are each thrown somewhere in src/", () => {
    const raised = thrown();
    expect(ERROR_CODES.filter((code) => !raised.has(code))).toEqual([]);
  });

  it("include the code of an unexpected error's answer, outside the family", () => {
    expect(ERROR_CODES).not.toContain(INTERNAL_ERROR);
    expect(docs).toContain(`\`${INTERNAL_ERROR}\` (500)`);
  });
});
