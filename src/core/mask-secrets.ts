/**
 * Hides secret values in text before it is stored or shown. Pure and shared: the runner masks step
 * output with it, chat formatting masks anything it echoes. Matching is leftmost-first, and the
 * longest secret wins at a position, so a secret that contains another is masked whole.
 *
 * Masking is the last line of defence, not the boundary: a build that has a secret can always print
 * it transformed (reversed, base64). What masking must never do is tell anyone more than they had,
 * which is why the streaming masker below releases text by lengths and newlines only.
 */

export const MASK = "****";

/** Lines of a multi-line secret shorter than this (once trimmed) are not masked on their own. */
const MIN_LINE_FRAGMENT = 4;

/**
 * What is actually looked for in text. A single-line secret is looked for as it is. A secret that
 * spans lines (a PEM key, a JSON credentials file) is looked for line by line, each line trimmed
 * (CRLF, indentation) and masked as a secret of its own, so a printed key shows one **** per line.
 *
 * Why not the whole value: matching text across a newline means holding a line back while what
 * follows might still turn it into the secret, and how much is held would tell a build whether it
 * guessed the next line right (issue 18's oracle). Line by line, no match ever crosses a newline, so
 * whole lines can be released the moment they end.
 *
 * Lines shorter than MIN_LINE_FRAGMENT are left alone: a JSON secret's `}` or `],` would otherwise
 * be masked in every log, and so short a line hides nothing anyway, since a build can print every
 * three-character string and see which one comes out masked. Printing such a secret whole therefore
 * shows its short lines. A value whose only line breaks are at its ends (a file read with its final
 * newline) is an ordinary one-line secret, whatever its length.
 */
function fragments(secret: string): string[] {
  if (!secret.includes("\n")) return [secret];
  const lines = secret
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
  return lines.length <= 1 ? lines : lines.filter((line) => line.length >= MIN_LINE_FRAGMENT);
}

/** Strings worth looking for: non-empty, deduplicated, longest first, none containing a newline (for bytes too: backends/local/artifacts/). */
export function secretFragments(secrets: Iterable<string>): string[] {
  const all = [...secrets].flatMap(fragments).filter((fragment) => fragment.length > 0);
  return [...new Set(all)].sort((a, b) => b.length - a.length);
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
  const list = secretFragments(secrets);
  return list.length === 0 ? text : scan(text, list, text.length).masked;
}

/** The held-back amount on long lines grows in steps of this, so it says little about secret lengths. */
const HOLD_STEP = 64;

/**
 * Characters a long line keeps back: at least the longest secret minus one, so any secret that
 * starts in the released part is seen whole before it is released.
 */
function holdLength(longest: number): number {
  return Math.ceil(Math.max(0, longest - 1) / HOLD_STEP) * HOLD_STEP;
}

/**
 * How much of the pending text may be released now. It depends on the text's length and where its
 * newlines are, never on what the text says: whole lines go at once; a line longer than
 * `maxLineLength` goes in pieces, always keeping back the same `hold` characters. (Releasing up to
 * the first tail that could still become a secret, as before, made the amount released an answer
 * to "is what I just printed the start of a secret?")
 */
function releasePoint(text: string, maxLineLength: number, hold: number): number {
  const lineEnd = text.lastIndexOf("\n") + 1;
  if (text.length - lineEnd <= maxLineLength) return lineEnd;
  let end = Math.max(lineEnd, text.length - hold);
  // Never between the halves of a surrogate pair (an emoji): that depends on the text, not a secret.
  const last = text.charCodeAt(end - 1);
  if (end > lineEnd && last >= 0xd800 && last <= 0xdbff) end--;
  return end;
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
 * whole lines (so interleaved stdout and stderr stay readable, and a live log shows each line as it
 * ends); a very long line is released in pieces, always keeping back a fixed number of characters
 * (`releasePoint`). What it writes is exactly what maskText writes for the whole text.
 */
export function createSecretMasker(
  secrets: Iterable<string>,
  options: SecretMaskerOptions = {},
): SecretMasker {
  const list = secretFragments(secrets);
  const maxLineLength = options.maxLineLength ?? 8192;
  const hold = holdLength(list[0]?.length ?? 0);
  let pending = "";
  return {
    push(chunk) {
      if (list.length === 0) return chunk;
      pending += chunk;
      const end = releasePoint(pending, maxLineLength, hold);
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
