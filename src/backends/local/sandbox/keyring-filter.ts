import os from "node:os";

/**
 * A seccomp program (classic BPF, what bwrap's `--seccomp FD` loads) that refuses the kernel
 * keyring's three system calls, add_key, request_key and keyctl, with ENOSYS: what a kernel
 * built without keys answers, which programs already handle. Every other call is allowed.
 *
 * Why: a build otherwise inherits slashbuild's session keyring, so one build could store a key
 * there and any later build, of any repo, read it; and keys are global objects of the kernel that
 * outlive the build. Docker's and Podman's default profiles refuse the same three calls.
 *
 * Each ABI a process of this machine can use has its own numbers: x86_64 (and x32, the same
 * numbers with bit 30 set) and i386 on x86_64; aarch64 and 32-bit arm on arm64. A call made with
 * any other ABI kills the process, so no unlisted ABI slips past the numbers. From the kernel's
 * tables: arch/x86/entry/syscalls/syscall_{64,32}.tbl, include/uapi/asm-generic/unistd.h,
 * arch/arm/tools/syscall.tbl.
 */
interface Abi {
  /** AUDIT_ARCH_* (linux/audit.h): EM_* | 64-bit | little-endian bits. */
  readonly arch: number;
  /** add_key, request_key, keyctl. */
  readonly calls: readonly number[];
}

const X32_BIT = 0x4000_0000;
const X86_64: Abi = {
  arch: 0xc000_003e,
  calls: [248, 249, 250, X32_BIT + 248, X32_BIT + 249, X32_BIT + 250],
};
const I386: Abi = { arch: 0x4000_0003, calls: [286, 287, 288] };
const AARCH64: Abi = { arch: 0xc000_00b7, calls: [217, 218, 219] };
const ARM: Abi = { arch: 0x4000_0028, calls: [309, 310, 311] };

/** The ABIs each Node architecture's kernel may be entered with. */
const ABIS: Readonly<Record<string, readonly Abi[]>> = { x64: [X86_64, I386], arm64: [AARCH64, ARM] };

// linux/filter.h and linux/seccomp.h
const LD_W_ABS = 0x20; // BPF_LD | BPF_W | BPF_ABS
const JEQ_K = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
const RET_K = 0x06; // BPF_RET | BPF_K
const RET_ALLOW = 0x7fff_0000;
const RET_KILL_PROCESS = 0x8000_0000;
const ENOSYS = 38; // the same on x86 and arm, 32 and 64-bit
const RET_ENOSYS = 0x0005_0000 | ENOSYS; // SECCOMP_RET_ERRNO
// struct seccomp_data: int nr; __u32 arch; ...
const NR_OFFSET = 0;
const ARCH_OFFSET = 4;

interface Instruction {
  readonly code: number;
  readonly k: number;
  /** Jumps: the index of the instruction to go to when equal / not equal. */
  readonly yes?: number;
  readonly no?: number;
}

/** The program for `arch` (a `process.arch`), or null where slashbuild knows no numbers for it. */
export function keyringFilter(arch: string = process.arch): Buffer | null {
  const abis = ABIS[arch];
  if (!abis) return null;
  const program: Instruction[] = [];
  // Per ABI: its number block is 1 (load nr) + calls + 1 (allow); the arch checks come first.
  const blockStart: number[] = [];
  let at = 1 + abis.length + 1; // load arch, one check per ABI, kill
  for (const abi of abis) {
    blockStart.push(at);
    at += abi.calls.length + 2;
  }
  const deny = at;
  program.push({ code: LD_W_ABS, k: ARCH_OFFSET });
  abis.forEach((abi, i) => {
    program.push({ code: JEQ_K, k: abi.arch, yes: blockStart[i] as number, no: program.length + 1 });
  });
  program.push({ code: RET_K, k: RET_KILL_PROCESS });
  for (const abi of abis) {
    program.push({ code: LD_W_ABS, k: NR_OFFSET });
    for (const call of abi.calls) program.push({ code: JEQ_K, k: call, yes: deny, no: program.length + 1 });
    program.push({ code: RET_K, k: RET_ALLOW });
  }
  program.push({ code: RET_K, k: RET_ENOSYS });
  return encode(program);
}

/** struct sock_filter { __u16 code; __u8 jt; __u8 jf; __u32 k; }, in the machine's byte order. */
function encode(program: readonly Instruction[]): Buffer {
  const buffer = Buffer.alloc(program.length * 8);
  const little = os.endianness() === "LE";
  program.forEach((instruction, index) => {
    const offset = index * 8;
    // A jump is relative to the next instruction; classic BPF only jumps forwards, 255 at most.
    const jt = instruction.yes === undefined ? 0 : instruction.yes - index - 1;
    const jf = instruction.no === undefined ? 0 : instruction.no - index - 1;
    if (jt < 0 || jf < 0 || jt > 255 || jf > 255) throw new Error("seccomp program: jump out of range");
    if (little) buffer.writeUInt16LE(instruction.code, offset);
    else buffer.writeUInt16BE(instruction.code, offset);
    buffer.writeUInt8(jt, offset + 2);
    buffer.writeUInt8(jf, offset + 3);
    if (little) buffer.writeUInt32LE(instruction.k >>> 0, offset + 4);
    else buffer.writeUInt32BE(instruction.k >>> 0, offset + 4);
  });
  return buffer;
}
