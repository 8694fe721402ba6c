/**
 * Hides secret values in text before it is stored or shown. Pure and shared: the runner masks step
 * output with it, chat formatting masks anything it echoes. Matching is leftmost-first, and the
 * longest secret wins at a position, so a secret that contains another is masked whole.
 */

export const MASK = "****";

/** Secrets worth looking for: non-empty, deduplicated, longest first. */
function prepare(secrets: Iterable<string>): string[] {
  return [...new Set(secrets)].filter((secret) => secret.length > 0).sort((a, b) => b.length - a.length);
}

/**
 * Masks every secret occurrence that starts before `limit` and copies the text up to there.
 * Returns the masked text and where it stopped (past `limit` when a masked secret straddles it).
 */
function scan(text: string, secrets: readonly string[], limit: number): { masked: string; consumed: number } {
  const next = secrets.map((secret) => text.indexOf(secret));
  let masked = "";
  let at = 0;
  while (at < limit) {
    let best = -1;
    let bestLength = 0;
    for (const [k, secret] of secrets.entries()) {
      let found = next[k] ?? -1;
      if (found !== -1 && found < at) {
        found = text.indexOf(secret, at);
        next[k] = found;
      }
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
    masked += text.slice(at, best) + MASK;
    at = best + bestLength;
  }
  return { masked, consumed: Math.max(at, limit) };
}

export function maskText(text: string, secrets: Iterable<string>): string {
  const list = prepare(secrets);
  return list.length === 0 ? text : scan(text, list, text.length).masked;
}

/**
 * Where the text's tail could be the beginning of a secret that the next chunk completes: nothing
 * from there on may be written yet. Returns text.length when no tail is such a prefix.
 */
function holdPoint(text: string, secrets: readonly string[]): number {
  const longest = secrets[0]?.length ?? 0;
  for (let start = Math.max(0, text.length - longest + 1); start < text.length; start++) {
    const tail = text.slice(start);
    if (secrets.some((secret) => secret.length > tail.length && secret.startsWith(tail))) return start;
  }
  return text.length;
}

export interface SecretMasker {
  /** Masked text that is safe to write now; may hold back a tail until more arrives. */
  push(chunk: string): string;
  /** Everything still held back, masked: call once when the stream ends. */
  end(): string;
}

export interface SecretMaskerOptions {
  /** A line longer than this is written in pieces instead of waiting for its newline. */
  readonly maxLineLength?: number;
}

/**
 * A masker for a stream of text whose chunks may split a secret anywhere. Output is released by
 * whole lines (so interleaved stdout and stderr stay readable); a very long line is released in
 * pieces, always keeping back the few characters that could start a secret.
 */
export function createSecretMasker(
  secrets: Iterable<string>,
  options: SecretMaskerOptions = {},
): SecretMasker {
  const list = prepare(secrets);
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
      const rest = maskText(pending, list);
      pending = "";
      return rest;
    },
  };
}
