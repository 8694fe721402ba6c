import { COMPUTED_LOADS, RULES } from "./import-graph.js";

/**
 * The dependency rule as docs/architecture.md shows it, made from RULES and COMPUTED_LOADS, so the
 * doc cannot drift from what the test enforces: dependency-rule.test.ts compares the two.
 */

export const TABLE_START = "<!-- rule-table: made from RULES in test/architecture/import-graph.ts -->";
export const TABLE_END = "<!-- /rule-table -->";

const cell = (items: readonly string[]) => (items.length === 0 ? "—" : items.join(", "));
const folders = (layers: readonly string[] | undefined) => cell((layers ?? []).map((layer) => `${layer}/`));

export function ruleTable(): string {
  const lines = [
    "| folder | may import at run time | may import types from | packages | `node:` built-ins | why |",
    "|---|---|---|---|---|---|",
  ];
  for (const [layer, rule] of Object.entries(RULES)) {
    const packages = [...rule.packages, ...(rule.typePackages ?? []).map((pkg) => `${pkg} (types)`)];
    const why = [rule.list ? `only ${rule.list} (the list) imports its providers` : "", rule.why ?? ""];
    lines.push(
      `| ${layer}/ | ${folders(rule.runtime)} | ${folders(rule.typesFrom)} | ${cell(packages)} | ${cell(rule.builtins)} | ${why.filter(Boolean).join("; ")} |`,
    );
  }
  lines.push("", "Loads the rule cannot follow (a computed specifier, a worker), allowed one by one:", "");
  for (const [file, allowed] of Object.entries(COMPUTED_LOADS))
    for (const [expression, why] of Object.entries(allowed))
      lines.push(`- \`${file}\`: \`${expression}\`: ${why}.`);
  return [TABLE_START, ...lines, TABLE_END].join("\n");
}

/** The generated block as it stands in a document, or null when its markers are missing. */
export function tableIn(doc: string): string | null {
  const start = doc.indexOf(TABLE_START);
  const end = doc.indexOf(TABLE_END);
  return start < 0 || end < start ? null : doc.slice(start, end + TABLE_END.length);
}
