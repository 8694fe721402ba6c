import { describe, expect, it } from "vitest";
import { ByteMasker } from "../../../../../src/backends/local/artifacts/byte-masker.js";
import { maskText } from "../../../../../src/core/mask-secrets.js";

/** Feeds `text` to a masker in pieces of `size` bytes and returns everything it wrote. */
function masked(secrets: string[], text: string | Buffer, size: number): Buffer {
  const masker = new ByteMasker(secrets);
  const input = Buffer.isBuffer(text) ? text : Buffer.from(text);
  const out: Buffer[] = [];
  for (let at = 0; at < input.length; at += size) out.push(masker.push(input.subarray(at, at + size)));
  out.push(masker.end());
  return Buffer.concat(out);
}

describe("ByteMasker", () => {
  const secrets = [
    "hunter2-long-secret",
    "hunter2",
    "-----BEGIN KEY-----\nAAAABBBBCCCC\n-----END KEY-----\n",
  ];
  const text =
    "a hunter2-long-secret, then hunter2\nkey:\n-----BEGIN KEY-----\nAAAABBBBCCCC\n-----END KEY-----\nend";

  it.each([1, 2, 3, 7, 64, 4096])("masks as step logs do, whatever the chunk size (%i bytes)", (size) => {
    expect(masked(secrets, text, size).toString()).toBe(maskText(text, secrets));
  });

  it("leaves bytes that are not text alone", () => {
    const binary = Buffer.from([0, 255, 254, 10, 0x68, 0x75, 0x6e, 0x74, 0x65, 0x72, 0x32, 0x80]);
    expect(masked(["hunter2"], binary, 3)).toEqual(
      Buffer.concat([Buffer.from([0, 255, 254, 10]), Buffer.from("****"), Buffer.from([0x80])]),
    );
  });

  it("passes everything through when there is no secret", () => {
    expect(masked([], text, 5).toString()).toBe(text);
  });
});
