import type { z } from "zod";
import { type MovedKey, pathInFile } from "./moved-keys.js";
import { configSchema } from "./schema.js";
import { closestKey, keysAt } from "./suggest-key.js";

/** The config's validation issues as lines that name the key as written in the file, with did-you-mean for misspelt keys. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], moved: readonly MovedKey[]): string {
  const at = (path: readonly PropertyKey[]) => path.map(String).join(".");
  // An unknown key one edit or two from a known one is most likely that key misspelt (`reops:`):
  // say so, and drop the "missing" its absence then causes, which only misleads.
  const misspelt = new Set<string>();
  const suggestions = new Map<z.core.$ZodIssue, (string | null)[]>();
  for (const issue of issues) {
    if (issue.code !== "unrecognized_keys") continue;
    const known = keysAt(configSchema, issue.path);
    const meant = issue.keys.map((key) => closestKey(key, known));
    suggestions.set(issue, meant);
    for (const key of meant) if (key) misspelt.add(at([...issue.path, key]));
  }
  return issues
    .flatMap((issue) => {
      const where = pathInFile(at(issue.path), moved) || "(root)";
      if (issue.code === "unrecognized_keys") {
        const prefix = issue.path.length > 0 ? `${where}.` : "";
        return issue.keys.map((key, i) => {
          const meant = suggestions.get(issue)?.[i];
          return meant
            ? `  - unknown key ${prefix}${key}: did you mean ${prefix}${meant}? (see docs/configuration.md)`
            : `  - unknown key ${prefix}${key}: remove it or check its spelling (see docs/configuration.md)`;
        });
      }
      if (
        issue.code === "invalid_type" &&
        / received undefined$/.test(issue.message) &&
        misspelt.has(where)
      ) {
        return [];
      }
      if (issue.code === "invalid_key") {
        // zod reports a bad record key generically; the useful text is in the nested issue.
        return [`  - ${where}: ${issue.issues.map((inner) => inner.message).join("; ")}`];
      }
      return [`  - ${where}: ${issue.message}`];
    })
    .join("\n");
}
