import { describe, expect, it } from "vitest";
import {
  createSecretMasker,
  MASK,
  maskText,
  type SecretMasker,
  type SecretMaskerOptions,
} from "../../../src/core/mask-secrets.js";
import { createPrefixOracleMasker } from "../../helpers/prefix-oracle-masker.js";

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

/** A small deterministic generator: the same texts and cuts on every run. */
function seeded(seed: number): (n: number) => number {
  let state = seed;
  return (n) => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state % n;
  };
}

function randomText(random: (n: number) => number, alphabet: string, length: number): string {
  return Array.from({ length }, () => alphabet[random(alphabet.length)]).join("");
}

function randomCuts(random: (n: number) => number, length: number, count: number): number[] {
  return [...new Set(Array.from({ length: count }, () => random(length)))].sort((a, b) => a - b);
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

  it("masks secrets with regex characters literally", () => {
    expect(maskText("a.*b and a.*b", ["a.*b"])).toBe("**** and ****");
  });
});

describe("multi-line secrets", () => {
  const key = "-----BEGIN KEY-----\r\nbGluZS0yLW9mLWtleQ\r\n  aW5kZW50ZWQ=\r\nAAE=\r\n-----END KEY-----\r\n";

  it("masks each line of the secret as a secret of its own, trimmed", () => {
    expect(maskText(`before\n${key}after\n`, [key])).toBe(
      "before\n****\r\n****\r\n  ****\r\n****\r\n****\r\nafter\n",
    );
    // A line of it is masked wherever it appears, alone or inside other text (a JSON string).
    expect(maskText('{"key":"aW5kZW50ZWQ=\\n"}', [key])).toBe('{"key":"****\\n"}');
  });

  it("leaves lines shorter than four characters visible, and text like them everywhere", () => {
    const json = '{\n  "token": "t0k3n-value"\n}';
    expect(maskText(`${json}\nall } done\n`, [json])).toBe("{\n  ****\n}\nall } done\n");
  });

  it("treats a value whose only line break is at its end as an ordinary secret", () => {
    expect(maskText("pw=abc\n", ["abc\n"])).toBe("pw=****\n");
    expect(maskText("pw=abc\n", ["\nabc\r\n"])).toBe("pw=****\n");
  });

  it("masks such a secret the same for any split of the stream, released line by line", () => {
    const text = `before\n${key}after\n`;
    const whole = maskText(text, [key]);
    for (let cut = 1; cut < text.length; cut++) expect(streamed(text, [key], [cut])).toBe(whole);
    const masker = createSecretMasker([key]);
    // The header line is out as soon as it ends, whatever follows: nothing waits for the next line.
    expect(masker.push("-----BEGIN KEY-----\r\nbGluZS0y")).toBe("****\r\n");
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

  it("masks a multi-line secret split at its newline, line by line", () => {
    const key = "line-1-of-key\nline-2-of-key";
    const text = `before\n${key}\nafter\n`;
    for (let cut = 1; cut < text.length; cut++) {
      expect(streamed(text, [key], [cut])).toBe("before\n****\n****\nafter\n");
    }
  });

  it("gives the same result as maskText for any split, with overlapping and multi-line secrets", () => {
    const secrets = ["abcab", "bca", "cabx", "aa", "xabc\nbxca\nc"];
    const random = seeded(42);
    for (let round = 0; round < 300; round++) {
      // Every other text has no newline: one long line, released in held-back pieces.
      const text = randomText(random, round % 2 === 0 ? "abcx\n" : "abcx", 200);
      const cuts = randomCuts(random, text.length, 8);
      expect(streamed(text, secrets, cuts, 8)).toBe(maskText(text, secrets));
    }
  });

  it("passes text straight through when there are no secrets", () => {
    const masker = createSecretMasker([]);
    expect(masker.push("partial")).toBe("partial");
    expect(masker.end()).toBe("");
  });
});

/**
 * Text made of proper prefixes of the secrets (the guesses of an attacker), filler and, when
 * `lines`, newlines: the content that made the old masker hold back, in lines short and long.
 */
function probeText(
  random: (n: number) => number,
  secrets: readonly string[],
  lines: boolean,
  length: number,
) {
  let text = "";
  while (text.length < length) {
    const pick = random(lines ? 3 : 2);
    const secret = secrets[random(secrets.length)] ?? "";
    if (pick === 0) text += secret.slice(0, 1 + random(secret.length - 1));
    else if (pick === 1) text += "~".repeat(1 + random(4));
    else text += "\n";
  }
  return text;
}

type MakeMasker = (secrets: readonly string[], options?: SecretMaskerOptions) => SecretMasker;

/** How many characters a masker released at each push, and at the end. */
function releases(
  make: MakeMasker,
  secrets: readonly string[],
  text: string,
  cuts: readonly number[],
): number[] {
  const masker = make(secrets, { maxLineLength: 8 });
  const sizes: number[] = [];
  let from = 0;
  for (const cut of [...cuts, text.length]) {
    sizes.push(masker.push(text.slice(from, cut)).length);
    from = cut;
  }
  return [...sizes, masker.end().length];
}

/**
 * Issue 18: how much the masker releases, and when, must not tell the writer whether what it wrote
 * is the start of a secret. Each case runs against today's masker (the defence) and the one from
 * before issue 18 (defence off), which must be caught by the very same checks.
 */
describe.each([
  { masker: "createSecretMasker", make: createSecretMasker as MakeMasker, oracle: false },
  {
    masker: "the pre-issue-18 masker (defence off)",
    make: createPrefixOracleMasker as MakeMasker,
    oracle: true,
  },
])("release policy of $masker", ({ make, oracle }) => {
  const secrets = ["s3cr3t-t0ken", "abcab", "cabx", "xbca\nbacx"];

  it("releases by lengths and newlines only: a text and its blanked copy come out in the same pieces", () => {
    const random = seeded(7);
    let differing = 0;
    let compared = 0;
    for (let round = 0; round < 400; round++) {
      const text = probeText(random, secrets, round % 2 === 0, 300);
      // A whole secret is masked, and that shows: only texts where no secret is complete count.
      if (maskText(text, secrets) !== text || secrets.some((secret) => text.includes(secret))) continue;
      const blank = text.replace(/[^\n]/g, "~");
      const cuts = randomCuts(random, text.length, 6);
      compared++;
      if (releases(make, secrets, text, cuts).join() !== releases(make, secrets, blank, cuts).join())
        differing++;
    }
    expect(compared).toBeGreaterThan(100);
    expect(differing > 0).toBe(oracle);
  });

  it("answers the probe of issue 18 (8,200 bytes, then a guess) the same for a right and a wrong guess", () => {
    const probe = (guess: string): number => make(secrets).push(`${"~".repeat(8200)}${guess}`).length;
    const right = probe("s3cr3t-t0k");
    const wrong = probe("s3cr3t-t0x");
    expect(right === wrong).toBe(!oracle);
  });

  it("answers the same whether the next line starts a multi-line secret's next line or not", () => {
    const probe = (guess: string): number => make(secrets).push(`xbca\n${guess}`).length;
    expect(probe("bac") === probe("zzz")).toBe(!oracle);
  });
});

describe("createSecretMasker on long lines", () => {
  it("never cuts a long line between the two halves of a surrogate pair", () => {
    const text = `${"😀".repeat(5000)}\n`;
    const masker = createSecretMasker(["zz"]);
    const pieces: string[] = [];
    for (let from = 0; from < text.length; from += 1001)
      pieces.push(masker.push(text.slice(from, from + 1001)));
    pieces.push(masker.end());
    for (const piece of pieces) expect(/[\ud800-\udbff]$/.test(piece)).toBe(false);
    expect(pieces.join("")).toBe(text);
  });

  it("holds back a fixed 64 characters of a long line while every secret fits in 65", () => {
    for (const tail of ["s3cr3t-t0k", "zzzzzzzzzz", "~~~~~~~~~~"]) {
      expect(createSecretMasker(["s3cr3t-t0ken"]).push(`${"~".repeat(8200)}${tail}`)).toBe("~".repeat(8146));
    }
  });

  it("holds back more than 64 characters when a secret is longer", () => {
    const long = "k".repeat(100);
    expect(createSecretMasker([long]).push("~".repeat(9000)).length).toBe(9000 - 128);
  });
});
