import { SlashbuildError } from "../core/errors.js";

/**
 * Replaces `${NAME}` and `${NAME:-default}` in every string of a parsed YAML document, so secrets
 * stay in the environment. `$${` writes a literal `${`. A missing variable without a default is an
 * error that names both the variable and the key that uses it.
 */
const PATTERN = /\$(\$)?\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export function interpolateEnv(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
  path: readonly string[] = [],
): unknown {
  if (typeof value === "string") return interpolateString(value, env, path);
  if (Array.isArray(value)) return value.map((item, i) => interpolateEnv(item, env, [...path, String(i)]));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, interpolateEnv(item, env, [...path, key])]),
    );
  }
  return value;
}

function interpolateString(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
  path: readonly string[],
) {
  return text.replace(
    PATTERN,
    (whole, escaped: string | undefined, name: string, fallback: string | undefined) => {
      if (escaped) return whole.slice(1);
      const found = env[name];
      if (found !== undefined && found !== "") return found;
      if (fallback !== undefined) return fallback;
      throw new SlashbuildError(
        "CONFIG_ENV_MISSING",
        `${path.join(".") || "(root)"}: environment variable ${name} is not set; export it or write \${${name}:-default}`,
      );
    },
  );
}
