import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * No file in the project names a path of this machine outside the repository: a fresh clone
 * elsewhere must read the same. The shared references are written `../shared/…`, and that is the
 * one way out. What counts as naming one:
 * - this machine's workspace, `/work/…` (where the shared references and other clones happen to be);
 * - a relative path that climbs out of the repository from the file's own folder, unless it is
 *   exactly `../shared/…`;
 * - in a document a person follows (Markdown), a place under `/tmp/`.
 * `/tmp/…` in code is left alone: there it is a path inside a build's sandbox, or an attack string.
 */

const root = path.resolve(new URL("../../", import.meta.url).pathname);
/** Not the project's own files: git's, installed, built, or made by running it (.gitignore). */
const SKIPPED = new Set([".git", "node_modules", "dist", "data", ".tmp", "coverage"]);
const NOT_TEXT = /\.(png|jpe?g|gif|ico|woff2?|sqlite|db|log)$/i;

function projectFiles(dir = ""): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const relative = dir ? `${dir}/${entry.name}` : entry.name;
    if (SKIPPED.has(entry.name)) continue;
    if (entry.isDirectory()) found.push(...projectFiles(relative));
    else if (entry.isFile() && !NOT_TEXT.test(entry.name)) found.push(relative);
  }
  return found;
}

/** Where `file` (a path relative to the repository) names a path outside it, as "file:line: why". */
function pathsOutside(file: string, text: string): string[] {
  const found: string[] = [];
  const lines = text.split("\n");
  lines.forEach((line, index) => {
    const at = `${file}:${index + 1}`;
    if (/(?<![\w.-])\/work\//.test(line)) found.push(`${at}: names this machine's workspace (/work/…)`);
    for (const match of line.matchAll(/(?<![\w./-])((?:\.\.\/)+)([\w.-]*)/g)) {
      const climbs = match[1] as string;
      const resolved = path.resolve(root, path.dirname(file), climbs);
      const inside = resolved === root || resolved.startsWith(`${root}/`);
      if (inside || (climbs === "../" && match[2] === "shared")) continue;
      found.push(`${at}: ${match[0]} leaves the repository (write the shared references as ../shared/…)`);
    }
    if (file.endsWith(".md") && /(?<![\w.-])\/tmp\/[\w.-]/.test(line))
      found.push(
        `${at}: tells a person to use a place under /tmp/ (name one in the clone, e.g. .tmp/, which is git-ignored)`,
      );
  });
  return found;
}

describe("paths outside the repository", () => {
  it("are named by no file of the project (only ../shared/… leads out)", () => {
    const self = path.relative(root, new URL(import.meta.url).pathname);
    const found = projectFiles()
      .filter((file) => file !== self)
      .flatMap((file) => pathsOutside(file, readFileSync(path.join(root, file), "utf8")));
    expect(found).toEqual([]);
  });

  it("finds each kind, and lets the shared references and paths inside the repository through", () => {
    const planted = [
      ["docs/guide.md", "See /work/shared/GUIDE.md."],
      ["bench/real/x.ts", "// ../../../shared/mattermost/CONTRACT.md"],
      ["README.md", "Run `try.sh start /tmp/slashbuild-buildbot`."],
      ["test/unit/x.test.ts", 'import x from "../../../../other-clone/src/x.js";'],
    ] as const;
    expect(planted.flatMap(([file, text]) => pathsOutside(file, text))).toEqual([
      "docs/guide.md:1: names this machine's workspace (/work/…)",
      "bench/real/x.ts:1: ../../../shared leaves the repository (write the shared references as ../shared/…)",
      "README.md:1: tells a person to use a place under /tmp/ (name one in the clone, e.g. .tmp/, which is git-ignored)",
      "test/unit/x.test.ts:1: ../../../../other-clone leaves the repository (write the shared references as ../shared/…)",
    ]);
    const fine = [
      ["docs/architecture.md", "Where this departs from ../shared/GUIDE.md"],
      ["src/forges/gitea/gitea-host.ts", "// the forges CONTRACT (../shared/forges/CONTRACT.md)"],
      ["test/unit/core/x.test.ts", 'import { x } from "../../../src/core/x.js";'],
      ["test/unit/core/y.test.ts", 'const attack = "--upload-pack=touch /tmp/x";'],
      ["docs/security.md", "a fresh `/tmp` and `/var/tmp` in the sandbox; see https://example.com/work/x"],
    ] as const;
    expect(fine.flatMap(([file, text]) => pathsOutside(file, text))).toEqual([]);
  });
});
