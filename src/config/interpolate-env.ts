import { SlashbuildError } from "../core/errors.js";

/**
 * Replaces `${NAME}` and `${NAME:-default}` in every string of a parsed YAML document, so secrets
 * stay in the environment. `$${` writes a literal `${`. Missing variables without a default are
 * one error naming every variable and the key that uses it, so a file is fixed in one go.
 */
const PATTERN = /\$(\$)?\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

interface Missing {
  readonly name: string;
  readonly key: string;
}

export function interpolateEnv(value: unknown, env: Readonly<Record<string, string | undefined>>): unknown {
  const missing: Missing[] = [];
  const result = walk(value, env, [], missing);
  if (missing.length > 0) {
    const names = [...new Set(missing.map((m) => m.name))];
    throw new SlashbuildError(
      "CONFIG_ENV_MISSING",
      `${missing.map((m) => `${m.key}: environment variable ${m.name} is not set`).join("; ")}. ` +
        `Export ${names.join(", ")}, pass the unit's environment file with --env-file FILE, or write \${NAME:-default}`,
    );
  }
  return result;
}

function walk(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
  path: readonly string[],
  missing: Missing[],
): unknown {
  if (typeof value === "string") return interpolateString(value, env, path, missing);
  if (Array.isArray(value)) return value.map((item, i) => walk(item, env, [...path, String(i)], missing));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, walk(item, env, [...path, key], missing)]),
    );
  }
  return value;
}

function interpolateString(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
  path: readonly string[],
  missing: Missing[],
) {
  return text.replace(
    PATTERN,
    (whole, escaped: string | undefined, name: string, fallback: string | undefined) => {
      if (escaped) return whole.slice(1);
      const found = env[name];
      if (found !== undefined && found !== "") return found;
      if (fallback !== undefined) return fallback;
      missing.push({ name, key: path.join(".") || "(root)" });
      return whole;
    },
  );
}
