import { MASK, secretFragments } from "../../../core/mask-secrets.js";

/**
 * Masks secrets in an artifact's bytes as they are copied, the way step logs are masked
 * (core/mask-secrets.ts: the same fragments, the longest at a position wins, each becomes ****).
 * Bytes, not text: an artifact may be binary, and decoding it would change what is kept. A secret
 * inside a compressed archive is not seen, as no masker sees a secret a build transformed: masking
 * is the last line, not the boundary. Nothing here is released while the build runs (it has
 * ended), so holding back a tail tells nobody anything.
 */
export class ByteMasker {
  readonly #needles: readonly Buffer[];
  readonly #hold: number;
  readonly #mask = Buffer.from(MASK);
  #pending: Buffer = Buffer.alloc(0);

  constructor(secrets: readonly string[]) {
    this.#needles = secretFragments(secrets).map((fragment) => Buffer.from(fragment, "utf8"));
    this.#hold = Math.max(0, (this.#needles[0]?.length ?? 0) - 1);
  }

  /** The masked bytes that can be written now; keeps back what could still begin a secret. */
  push(chunk: Buffer): Buffer {
    if (this.#needles.length === 0) return chunk;
    const text = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    const { out, consumed } = this.#scan(text, Math.max(0, text.length - this.#hold));
    this.#pending = Buffer.from(text.subarray(consumed));
    return out;
  }

  /** Everything held back, masked. */
  end(): Buffer {
    const { out } = this.#scan(this.#pending, this.#pending.length);
    this.#pending = Buffer.alloc(0);
    return out;
  }

  /** Masks every secret that starts before `limit`; returns the output and how far it reached. */
  #scan(text: Buffer, limit: number): { out: Buffer; consumed: number } {
    const parts: Buffer[] = [];
    let at = 0;
    while (at < limit) {
      let best = -1;
      let bestLength = 0;
      for (const needle of this.#needles) {
        const found = text.indexOf(needle, at);
        if (found === -1 || found >= limit) continue;
        if (best === -1 || found < best || (found === best && needle.length > bestLength)) {
          best = found;
          bestLength = needle.length;
        }
      }
      if (best === -1) {
        parts.push(text.subarray(at, limit));
        at = limit;
        break;
      }
      parts.push(text.subarray(at, best), this.#mask);
      at = best + bestLength;
    }
    return { out: Buffer.concat(parts), consumed: Math.max(at, limit) };
  }
}
