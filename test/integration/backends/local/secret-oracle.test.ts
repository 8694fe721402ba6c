import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { LogSizeOracle, ORACLE_SCRIPT } from "../../../helpers/log-size-oracle.js";
import { Harness } from "./harness.js";

// The defence under test, switchable: off, step logs get the masker from before issue 18.
const defence = vi.hoisted(() => ({ on: true }));
vi.mock(import("../../../../src/core/mask-secrets.js"), async (importOriginal) => {
  const real = await importOriginal();
  const { createPrefixOracleMasker } = await import("../../../helpers/prefix-oracle-masker.js");
  return {
    ...real,
    createSecretMasker: (secrets, options) =>
      defence.on ? real.createSecretMasker(secrets, options) : createPrefixOracleMasker(secrets, options),
  };
});

const ALPHABET = "0123456789abcdef";
const hex = (bytes: number): string => randomBytes(bytes).toString("hex");
/** The victim repo's secrets and the slash token, fresh each run: nothing to know in advance. */
const DEPLOY_KEY = hex(12);
const SLASH_TOKEN = hex(16);
const KEY_LINE = hex(32);
const PEM_HEADER = "-----BEGIN OPENSSH PRIVATE KEY-----";
const SSH_KEY = `${PEM_HEADER}\n${KEY_LINE}\n${hex(32)}\n-----END OPENSSH PRIVATE KEY-----\n`;
/** Past the masker's 8 KB line limit: what follows is released piece by piece. */
const LONG_LINE = "~".repeat(8200);
/** A whole line that begins the PEM key: what follows may be its next line. */
const KEY_START = `${PEM_HEADER}\n`;

/**
 * The differential attacker: at each level it tries every next character and keeps the guesses
 * whose probe released less than another's (more held back = "could be the start of a secret").
 */
async function recover(
  oracle: LogSizeOracle,
  lead: string,
  depth: number,
): Promise<{ found: string[]; firstAnswers: number[] }> {
  let known = [""];
  let firstAnswers: number[] = [];
  for (let level = 0; level < depth && known.length > 0; level++) {
    const next: string[] = [];
    for (const prefix of known) {
      const answers = new Map<string, number>();
      for (const c of ALPHABET) answers.set(prefix + c, await oracle.observe(lead + prefix + c));
      if (level === 0) firstAnswers = [...answers.values()];
      const most = Math.max(...answers.values());
      for (const [guess, released] of answers) if (released < most) next.push(guess);
    }
    known = next;
  }
  return { found: known, firstAnswers };
}

/** A wrong guess as long as the right one: its last character changed. */
const wrong = (right: string): string => right.slice(0, -1) + (right.endsWith("0") ? "1" : "0");

/**
 * Issue 18's critical hole, from inside a real build in the real bubblewrap sandbox: a build prints
 * a guess after 8,200 bytes (or after a line that begins a PEM key), reads how much of its own log
 * was released, and keeps the guess when less came out. With the masker from before issue 18 it
 * recovers the start of another repo's DEPLOY_KEY, of the slash token and of an SSH key's line;
 * with today's masker every probe of a length releases the same, right or wrong.
 */
describe("the live log as an oracle for secrets, from a sandboxed build", () => {
  let h: Harness;

  beforeAll(async () => {
    h = await Harness.create({
      repos: {
        victim: { commands: ["true"], secrets: { DEPLOY_KEY, SSH_KEY } },
        // Its own secrets are none: the prize is the victim's and slashbuild's.
        attacker: { commands: ["python3 ci/oracle.py"], timeout: 3600 },
      },
      logLimit: 100_000_000,
      // As app.ts passes knownSecrets(config): every repo's secrets and the slash token.
      backend: { extraSecrets: [SLASH_TOKEN, DEPLOY_KEY, SSH_KEY] },
    });
    await h.remote.commit({ message: "probe the masker", files: { "ci/oracle.py": ORACLE_SCRIPT } });
  });

  afterAll(async () => {
    await h?.close();
  });

  it.each([
    { on: false, outcome: "recovers the secrets' first characters" },
    { on: true, outcome: "cannot tell a right guess from a wrong one" },
  ])(
    "with the defence on: $on, the attacker $outcome",
    async ({ on }) => {
      defence.on = on;
      const build = h.newBuild("attacker");
      const oracle = await LogSizeOracle.create(h.out, build.id, h.backend.logs.pathFor(build.id, 0), () => {
        if (h.events.of(build.id).some((e) => e.type === "finished")) {
          throw new Error("the attacker's build ended");
        }
      });
      await h.backend.start(build, h.repo("attacker"));

      const longLine = await recover(oracle, LONG_LINE, 2);
      const nextLine = await recover(oracle, KEY_START, 2);
      // Almost the whole secret against a wrong guess of the same length.
      const pairs = [
        [LONG_LINE, DEPLOY_KEY.slice(0, -1)],
        [LONG_LINE, SLASH_TOKEN.slice(0, -1)],
        [KEY_START, KEY_LINE.slice(0, -1)],
      ] as const;
      const same: boolean[] = [];
      for (const [lead, right] of pairs) {
        same.push((await oracle.observe(lead + right)) === (await oracle.observe(lead + wrong(right))));
      }
      await oracle.stop();

      expect(await h.events.finished(build.id)).toMatchObject({ status: "succeeded" });
      expect(h.events.of(build.id)[0]).toMatchObject({ type: "external", external: { sandbox: "bwrap" } });
      // Defence off, the differences name the secrets; on, there are none to read.
      expect(new Set(longLine.firstAnswers).size === 1).toBe(on);
      expect(new Set(nextLine.firstAnswers).size === 1).toBe(on);
      expect(longLine.found.includes(DEPLOY_KEY.slice(0, 2))).toBe(!on);
      expect(longLine.found.includes(SLASH_TOKEN.slice(0, 2))).toBe(!on);
      expect(nextLine.found.includes(KEY_LINE.slice(0, 2))).toBe(!on);
      expect(longLine.found.length + nextLine.found.length === 0).toBe(on);
      expect(same).toEqual([on, on, on]);
    },
    600_000,
  );
});
