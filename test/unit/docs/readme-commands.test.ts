import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "..", "..", "..");

function filesUnder(dir: string, extensions: readonly string[]): string[] {
  return readdirSync(path.join(ROOT, dir), { recursive: true, encoding: "utf8" })
    .filter((name) => extensions.some((extension) => name.endsWith(extension)))
    .map((name) => path.join(dir, name));
}

/** What a person reads and pastes: the README, the docs, and the examples' comments and scripts. */
const DOCUMENTS = ["README.md", ...filesUnder("docs", [".md"]), ...filesUnder("examples", [".yaml", ".sh"])];

/** Commands that install and run a registry package when the name is not installed locally. */
const FETCHES_BY_NAME: readonly { readonly pattern: RegExp; readonly why: string }[] = [
  {
    pattern: /\bnpx\b/,
    why: "npx downloads and runs a registry package of that name when none is installed",
  },
  { pattern: /\bnpm\s+(exec|x)\b(?![^\n`]*\s--no\b)/, why: "npm exec without --no may download the package" },
  { pattern: /\b(pnpm|yarn)\s+dlx\b|\bbunx\b/, why: "dlx runs a registry package by name" },
];

/**
 * Issue 22 item 3: `npx slashbuild try …` works only inside the clone; anywhere else npm looks the
 * name up in the registry, and would run whatever someone publishes as `slashbuild`. No command a
 * person is shown may fetch a package by name.
 */
describe("commands shown to people", () => {
  it.each(DOCUMENTS)("%s fetches no package by name", (file) => {
    const lines = readFileSync(path.join(ROOT, file), "utf8").split("\n");
    const offending = lines.flatMap((line, index) =>
      FETCHES_BY_NAME.filter(({ pattern }) => pattern.test(line)).map(
        ({ why }) => `${file}:${index + 1}: ${line.trim()} (${why})`,
      ),
    );
    expect(offending).toEqual([]);
  });

  it("the README runs slashbuild from the clone or its install path, with commands the CLI knows", async () => {
    const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
    const used = [...readme.matchAll(/(?:node bin|\/opt\/slashbuild\/bin)\/slashbuild\.js ([a-z-]+)/g)].map(
      (match) => match[1] as string,
    );
    expect(used).toEqual(expect.arrayContaining(["try", "serve", "check-config", "backup", "hash-password"]));
    const { runCli } = await import("../../../src/cli/index.js");
    const { PassThrough } = await import("node:stream");
    for (const command of new Set(used)) {
      const io = { out: new PassThrough(), err: new PassThrough() };
      expect(await runCli([command, "--help"], io), `${command} --help`).toBe(0);
    }
  });
});
