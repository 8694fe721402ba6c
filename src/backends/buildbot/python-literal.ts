/**
 * Python source literals for master.cfg generation. Every value from the config file goes through
 * here, never through string concatenation, so a repo command, branch or secret cannot break out
 * of its literal. JSON string syntax is a subset of Python's (same escapes), which is why
 * JSON.stringify is safe for strings.
 */

/** Python source emitted as-is (an expression such as `util.Property("branch")`). */
export class PyCode {
  constructor(readonly code: string) {}
}

export type PyValue =
  | string
  | number
  | boolean
  | null
  | PyCode
  | readonly PyValue[]
  | { readonly [key: string]: PyValue };

export function py(value: PyValue): string {
  if (value === null) return "None";
  if (value instanceof PyCode) return value.code;
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`cannot write ${value} as a Python literal`);
    return String(value);
  }
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((item: PyValue) => py(item)).join(", ")}]`;
  const entries = Object.entries(value as { readonly [key: string]: PyValue });
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}: ${py(item)}`).join(", ")}}`;
}

/** A call expression with keyword arguments, e.g. call("util.Property", ["branch"]). */
export function call(
  fn: string,
  args: readonly PyValue[] = [],
  kwargs: Record<string, PyValue> = {},
): PyCode {
  const parts = [...args.map((a) => py(a)), ...Object.entries(kwargs).map(([k, v]) => `${k}=${py(v)}`)];
  return new PyCode(`${fn}(${parts.join(", ")})`);
}
