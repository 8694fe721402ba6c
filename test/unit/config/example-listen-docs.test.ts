import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

/**
 * README's "TLS in front" says to keep `listen` on 127.0.0.1:8080 behind the proxy: every config
 * the README and docs/ show must do what it says, or a copied example serves plain HTTP to the world.
 */

const ROOT = new URL("../../../", import.meta.url);
const FILES = [
  "README.md",
  ...readdirSync(new URL("docs/", ROOT))
    .filter((name) => name.endsWith(".md"))
    .map((name) => `docs/${name}`),
];

function listenValues(markdown: string): string[] {
  const blocks = [...markdown.matchAll(/^\s*```ya?ml\n([\s\S]*?)^\s*```$/gm)].map((match) => match[1] ?? "");
  return blocks.flatMap((block) =>
    [...block.matchAll(/^\s*listen:\s*(\S+)/gm)].map((match) => match[1] ?? ""),
  );
}

describe("the example configs in README.md and docs/", () => {
  const shown = FILES.flatMap((file) =>
    listenValues(readFileSync(new URL(file, ROOT), "utf8")).map((value) => ({ file, value })),
  );

  it("set listen somewhere (the check reads them)", () => {
    expect(shown.map(({ file }) => file)).toEqual(
      expect.arrayContaining(["README.md", "docs/configuration.md"]),
    );
  });

  it("listen on loopback only, as TLS in front says", () => {
    const exposed = shown.filter(
      ({ value }) => !/^(127\.0\.0\.1|\[::1\]|\$\{SLASHBUILD_LISTEN:-127\.0\.0\.1)/.test(value),
    );
    expect(exposed).toEqual([]);
  });
});
