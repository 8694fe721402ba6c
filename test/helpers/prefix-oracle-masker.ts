import type { SecretMasker, SecretMaskerOptions } from "../../src/core/mask-secrets.js";

/**
 * The streaming masker as it was before issue 18, kept only so that security tests can run with the
 * defence off: it releases a long line up to the first tail that could still become a secret, and a
 * whole line only when no secret containing a newline could start in it. So how much it releases
 * tells whoever printed the text whether its tail is the start of a secret: the oracle.
 */
export function createPrefixOracleMasker(
  secrets: Iterable<string>,
  options: SecretMaskerOptions = {},
): SecretMasker {
  const list = [...new Set(secrets)]
    .filter((secret) => secret.length > 0)
    .sort((a, b) => b.length - a.length);
  const maxLineLength = options.maxLineLength ?? 8192;
  let pending = "";
  return {
    push(chunk) {
      if (list.length === 0) return chunk;
      pending += chunk;
      const hold = holdPoint(pending, list);
      const lineEnd = pending.lastIndexOf("\n") + 1;
      const end = pending.length - lineEnd > maxLineLength ? hold : Math.min(lineEnd, hold);
      if (end === 0) return "";
      const { masked, consumed } = scan(pending, list, end);
      pending = pending.slice(consumed);
      return masked;
    },
    end() {
      const rest = scan(pending, list, pending.length).masked;
      pending = "";
      return rest;
    },
  };
}

/** Where the text's tail could be the beginning of a secret; text.length when nowhere. */
function holdPoint(text: string, secrets: readonly string[]): number {
  const longest = secrets[0]?.length ?? 0;
  for (let start = Math.max(0, text.length - longest + 1); start < text.length; start++) {
    const tail = text.slice(start);
    if (secrets.some((secret) => secret.length > tail.length && secret.startsWith(tail))) return start;
  }
  return text.length;
}

/** Masks occurrences starting before `limit` (leftmost first, longest wins), as the old masker did. */
function scan(text: string, secrets: readonly string[], limit: number): { masked: string; consumed: number } {
  let masked = "";
  let at = 0;
  while (at < limit) {
    let best = -1;
    let bestLength = 0;
    for (const secret of secrets) {
      const found = text.indexOf(secret, at);
      if (found === -1 || found >= limit) continue;
      if (best === -1 || found < best || (found === best && secret.length > bestLength)) {
        best = found;
        bestLength = secret.length;
      }
    }
    if (best === -1) {
      masked += text.slice(at, limit);
      at = limit;
      break;
    }
    masked += `${text.slice(at, best)}****`;
    at = best + bestLength;
  }
  return { masked, consumed: Math.max(at, limit) };
}
