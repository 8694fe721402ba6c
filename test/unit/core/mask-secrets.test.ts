import { describe, expect, it } from "vitest";
import { createSecretMasker, MASK, maskText } from "../../../src/core/mask-secrets.js";

/** Feeds `text` to a streaming masker cut at the given offsets and returns everything it wrote. */
function streamed(
  text: string,
  secrets: readonly string[],
  cuts: readonly number[],
  maxLineLength?: number,
): string {
  const masker = createSecretMasker(secrets, maxLineLength === undefined ? {} : { maxLineLength });
  let out = "";
  let from = 0;
  for (const cut of [...cuts, text.length]) {
    out += masker.push(text.slice(from, cut));
    from = cut;
  }
  return out + masker.end();
}

describe("maskText", () => {
  it("replaces every occurrence of every secret with ****", () => {
    expect(MASK).toBe("****");
    expect(maskText("token=abc123 and again abc123; key=zz9", ["abc123", "zz9"])).toBe(
      "token=**** and again ****; key=****",
    );
  });

  it("masks a secret that contains another as a whole", () => {
    expect(maskText("pass hunter2-extended", ["hunter2", "hunter2-extended"])).toBe("pass ****");
  });

  it("ignores empty secrets and leaves text without secrets alone", () => {
    expect(maskText("nothing here", ["", "absent"])).toBe("nothing here");
    expect(maskText("nothing here", [])).toBe("nothing here");
  });

  it("masks secrets with regex characters and newlines literally", () => {
    expect(maskText("a.*b and a.*b", ["a.*b"])).toBe("**** and ****");
    expect(
      maskText("-----BEGIN KEY-----\nxyz\n-----END KEY-----\n", [
        "-----BEGIN KEY-----\nxyz\n-----END KEY-----",
      ]),
    ).toBe("****\n");
  });
});

describe("createSecretMasker", () => {
  const secret = "s3cr3t-t0ken";

  it("masks a secret split across two chunks", () => {
    const text = `deploying with ${secret} now\n`;
    for (let cut = 1; cut < text.length; cut++) {
      expect(streamed(text, [secret], [cut])).toBe("deploying with **** now\n");
    }
  });

  it("masks a secret split into single characters", () => {
    const text = `x${secret}y\n`;
    const cuts = Array.from({ length: text.length - 1 }, (_, i) => i + 1);
    expect(streamed(text, [secret], cuts)).toBe("x****y\n");
  });

  it("releases whole lines as they complete and holds back a partial line", () => {
    const masker = createSecretMasker([secret]);
    expect(masker.push("line one\nline t")).toBe("line one\n");
    expect(masker.push("wo\n")).toBe("line two\n");
    expect(masker.push("no newline yet")).toBe("");
    expect(masker.end()).toBe("no newline yet");
  });

  it("writes a very long line in pieces without ever splitting a secret open", () => {
    const text = `${"a".repeat(50)}${secret}${"b".repeat(50)}${secret}`;
    const cuts = Array.from({ length: text.length / 7 }, (_, i) => (i + 1) * 7);
    const masker = createSecretMasker([secret], { maxLineLength: 16 });
    const pieces: string[] = [];
    let from = 0;
    for (const cut of [...cuts, text.length]) {
      pieces.push(masker.push(text.slice(from, cut)));
      from = cut;
    }
    pieces.push(masker.end());
    // Output came before the end of the line, and no piece ever shows a fragment of the secret.
    expect(pieces.slice(0, -1).join("").length).toBeGreaterThan(0);
    expect(pieces.join("")).toBe(`${"a".repeat(50)}****${"b".repeat(50)}****`);
    for (const piece of pieces) expect(piece).not.toMatch(/s3c|t0ken/);
  });

  it("masks a multi-line secret split at its newline", () => {
    const key = "line-1-of-key\nline-2-of-key";
    const text = `before\n${key}\nafter\n`;
    for (let cut = 1; cut < text.length; cut++) {
      expect(streamed(text, [key], [cut])).toBe("before\n****\nafter\n");
    }
  });

  it("gives the same result as maskText for any split, with overlapping secrets", () => {
    const secrets = ["abcab", "bca", "cabx", "aa"];
    const alphabet = "abcx\n";
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let round = 0; round < 300; round++) {
      const text = Array.from({ length: 40 }, () => alphabet[random(alphabet.length)]).join("");
      const cuts = [...new Set(Array.from({ length: 5 }, () => random(text.length)))].sort((a, b) => a - b);
      expect(streamed(text, secrets, cuts, 8)).toBe(maskText(text, secrets));
    }
  });

  it("passes text straight through when there are no secrets", () => {
    const masker = createSecretMasker([]);
    expect(masker.push("partial")).toBe("partial");
    expect(masker.end()).toBe("");
  });
});
