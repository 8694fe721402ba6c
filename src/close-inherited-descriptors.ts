import { closeSync, readdirSync, readFileSync, readlinkSync } from "node:fs";

/** O_CLOEXEC in the octal `flags:` of /proc/self/fdinfo/N (x86 and arm alike). */
const O_CLOEXEC = 0o2000000;

/**
 * Closes every descriptor above stderr that slashbuild inherited open across exec, and returns
 * what each one was. Whatever started slashbuild (a shell's `exec 40>file`, a process manager)
 * may leave such descriptors open; Node marks 0-15 close-on-exec at start-up, but not one past a
 * gap (libuv's uv_disable_stdio_inheritance stops at the first closed number above 15), and
 * libuv's spawn closes nothing else. So every build, sandboxed or not, was given them: one wrote
 * through such a descriptor to a file in a directory it could not enter. At start-up the
 * descriptors without O_CLOEXEC above 2 are exactly those: every descriptor Node and its native
 * modules open is close-on-exec. Closing them, before anything else is opened, leaves builds
 * stdin, stdout, stderr and what slashbuild hands a sandbox itself. Where /proc cannot be read
 * (no build could be sandboxed there either), nothing is closed.
 */
export function closeInheritedDescriptors(): string[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc/self/fd");
  } catch {
    return [];
  }
  const closed: string[] = [];
  for (const entry of entries) {
    const fd = Number(entry);
    if (!Number.isInteger(fd) || fd <= 2) continue;
    let flags: number;
    let target: string;
    try {
      flags = Number.parseInt(
        /^flags:\s*([0-7]+)/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, "utf8"))?.[1] ?? "",
        8,
      );
      target = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue; // the directory listing's own descriptor, closed since
    }
    if (Number.isNaN(flags) || (flags & O_CLOEXEC) !== 0) continue;
    closeSync(fd);
    closed.push(`${fd} (${target})`);
  }
  return closed;
}
