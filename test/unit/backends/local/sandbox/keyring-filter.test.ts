import os from "node:os";
import { describe, expect, it } from "vitest";
import { keyringFilter } from "../../../../../src/backends/local/sandbox/keyring-filter.js";

const ALLOW = 0x7fff_0000;
const KILL_PROCESS = 0x8000_0000;
const ENOSYS = 0x0005_0000 | 38;

/**
 * Runs a classic BPF seccomp program on one system call, as the kernel would: only the
 * instructions the filter may use (load word, jump if equal, return) are known; anything else
 * fails the test.
 */
function verdict(program: Buffer, arch: number, nr: number): number {
  const little = os.endianness() === "LE";
  const data = { 0: nr >>> 0, 4: arch >>> 0 } as Record<number, number>;
  let accumulator = 0;
  for (let pc = 0; pc * 8 < program.length; pc++) {
    const at = pc * 8;
    const code = little ? program.readUInt16LE(at) : program.readUInt16BE(at);
    const jt = program.readUInt8(at + 2);
    const jf = program.readUInt8(at + 3);
    const k = little ? program.readUInt32LE(at + 4) : program.readUInt32BE(at + 4);
    if (code === 0x20) accumulator = data[k] ?? Number.NaN;
    else if (code === 0x15) pc += accumulator === k ? jt : jf;
    else if (code === 0x06) return k;
    else throw new Error(`unexpected instruction ${code.toString(16)} at ${pc}`);
  }
  throw new Error("the program ran off its end");
}

const X86_64 = 0xc000_003e;
const I386 = 0x4000_0003;
const AARCH64 = 0xc000_00b7;
const ARM = 0x4000_0028;
const X32 = 0x4000_0000;

describe("keyringFilter", () => {
  it("refuses add_key, request_key and keyctl with ENOSYS in every x86 ABI, and allows the rest", () => {
    const program = keyringFilter("x64");
    if (!program) throw new Error("no program for x64");
    for (const nr of [248, 249, 250, X32 + 248, X32 + 249, X32 + 250])
      expect(verdict(program, X86_64, nr)).toBe(ENOSYS);
    for (const nr of [286, 287, 288]) expect(verdict(program, I386, nr)).toBe(ENOSYS);
    // read, write, openat, execve, unshare, mount; i386's 248-250 are other calls (io_*).
    for (const nr of [0, 1, 257, 59, 272, 165, X32 + 0, 251, 247])
      expect(verdict(program, X86_64, nr)).toBe(ALLOW);
    for (const nr of [3, 4, 11, 248, 249, 250, 289]) expect(verdict(program, I386, nr)).toBe(ALLOW);
  });

  it("refuses them on arm64 and 32-bit arm, and allows the rest", () => {
    const program = keyringFilter("arm64");
    if (!program) throw new Error("no program for arm64");
    for (const nr of [217, 218, 219]) expect(verdict(program, AARCH64, nr)).toBe(ENOSYS);
    for (const nr of [309, 310, 311]) expect(verdict(program, ARM, nr)).toBe(ENOSYS);
    for (const nr of [63, 64, 56, 221, 97, 216, 220]) expect(verdict(program, AARCH64, nr)).toBe(ALLOW);
    for (const nr of [3, 4, 217, 218, 219, 308, 312]) expect(verdict(program, ARM, nr)).toBe(ALLOW);
  });

  it("kills a process that enters the kernel with an ABI it has no numbers for", () => {
    const x64 = keyringFilter("x64");
    const arm64 = keyringFilter("arm64");
    if (!x64 || !arm64) throw new Error("no program");
    expect(verdict(x64, AARCH64, 217)).toBe(KILL_PROCESS);
    expect(verdict(x64, 0xc000_00f3, 0)).toBe(KILL_PROCESS); // riscv64
    expect(verdict(arm64, X86_64, 250)).toBe(KILL_PROCESS);
  });

  it("has no program for an architecture whose numbers it does not know", () => {
    expect(keyringFilter("s390x")).toBeNull();
    expect(keyringFilter("ppc64")).toBeNull();
  });
});
