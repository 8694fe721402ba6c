import type { z } from "zod";

/** The parts of zod 4's schema definitions this walk reads. */
interface Def {
  readonly type: string;
  readonly shape?: Record<string, z.ZodType>;
  readonly innerType?: z.ZodType;
  readonly in?: z.ZodType;
  readonly valueType?: z.ZodType;
  readonly element?: z.ZodType;
  readonly options?: readonly z.ZodType[];
}

const defOf = (schema: z.ZodType): Def => schema.def as unknown as Def;

/** Through optional, default, nullable and transforms to the schema that reads the value. */
function unwrap(schema: z.ZodType): z.ZodType {
  const def = defOf(schema);
  const inner = def.innerType ?? (def.type === "pipe" ? def.in : undefined);
  return inner ? unwrap(inner) : schema;
}

/** The keys the object at `path` allows (records and arrays crossed by any key or index); [] when no object is there. */
export function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let here: z.ZodType | undefined = unwrap(schema);
  for (const step of path) {
    const def: Def = defOf(here);
    here =
      def.type === "object"
        ? def.shape?.[String(step)]
        : def.type === "record"
          ? def.valueType
          : def.type === "array"
            ? def.element
            : def.type === "union"
              ? def.options?.find((option) => defOf(unwrap(option)).type === "object")
              : undefined;
    if (!here) return [];
    here = unwrap(here);
  }
  const def = defOf(here);
  if (def.type === "union") return [...new Set(def.options?.flatMap((option) => keysAt(option, [])))];
  return def.type === "object" ? Object.keys(def.shape ?? {}) : [];
}

/** Edits between two words, a swap of neighbours counting as one (`reops` → `repos`). */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const row = d[i] as number[];
      const above = d[i - 1] as number[];
      row[j] = Math.min(
        (above[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (above[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        row[j] = Math.min(row[j] as number, ((d[i - 2] as number[])[j - 2] as number) + 1);
      }
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}

/** The known key a misspelt one most likely meant, or null when none is close. */
export function closestKey(word: string, known: readonly string[]): string | null {
  const limit = word.length <= 4 ? 1 : 2;
  let best: { key: string; edits: number } | null = null;
  for (const key of known) {
    const edits = distance(word.toLowerCase(), key.toLowerCase());
    if (edits <= limit && (!best || edits < best.edits)) best = { key, edits };
  }
  return best?.key ?? null;
}
