import { chmod, mkdir, open, rename, writeFile } from "node:fs/promises";
import path from "node:path";

/**
 * The attack of issue 18, build side: a script a hostile build runs. For each probe the observer
 * hands it (file `probe-N` in $OUT/oracle-<build id>; an empty one ends it) it prints the probe on stdout with no
 * newline, then a newline to flush it. Around the probe it prints `start-N` and `sync-N` lines on
 * stderr, each only once slashbuild has read everything before it from the pipe (nothing unread),
 * so what lies between the two markers in the step log is exactly what the masker released of
 * the probe. No timing is involved.
 */
export const ORACLE_SCRIPT = `import fcntl, os, stat, struct, termios, time

OUT = os.path.join(os.environ["OUT"], "oracle-" + os.environ["SLASHBUILD_BUILD_ID"])

def unread(fd):
    # Node's "pipes" are socket pairs: there, SIOCOUTQ counts what the reader has not taken yet.
    request = termios.TIOCOUTQ if stat.S_ISSOCK(os.fstat(fd).st_mode) else termios.FIONREAD
    return struct.unpack("i", fcntl.ioctl(fd, request, bytes(4)))[0]

def send(fd, data):
    while data:
        data = data[os.write(fd, data):]
    while unread(fd) > 0:
        time.sleep(0.001)

def next_probe(i):
    path = os.path.join(OUT, "probe-%d" % i)
    while not os.path.exists(path):
        time.sleep(0.002)
    with open(path, "rb") as f:
        return f.read()

i = 0
while True:
    probe = next_probe(i)
    if not probe:
        break
    send(2, b"start-%d\\n" % i)
    send(1, probe)
    send(2, b"sync-%d\\n" % i)
    send(1, b"\\n")
    i += 1
`;

/**
 * The observer's side: hands the build a probe and reads, from the build's step log on disk (what
 * `HEAD /builds/<id>/steps/1/raw` reports and the raw and windowed reads serve), how many bytes of
 * it were released.
 */
export class LogSizeOracle {
  #next = 0;
  #offset = 0;

  private constructor(
    readonly dir: string,
    readonly logFile: string,
    /** Throws when the build is over (so a broken script fails the test instead of hanging it). */
    readonly checkRunning: () => void,
  ) {}

  /** Before the build starts: its probes' folder, which the sandboxed build user can read. */
  static async create(out: string, buildId: number, logFile: string, checkRunning: () => void) {
    const dir = path.join(out, `oracle-${buildId}`);
    await mkdir(dir);
    await chmod(dir, 0o755);
    return new LogSizeOracle(dir, logFile, checkRunning);
  }

  async observe(probe: string): Promise<number> {
    const n = this.#next++;
    await this.#hand(n, probe);
    const start = Buffer.from(`start-${n}\n`);
    const sync = Buffer.from(`sync-${n}\n`);
    for (;;) {
      const bytes = await readFrom(this.logFile, this.#offset);
      const begin = bytes.indexOf(start);
      const end = begin === -1 ? -1 : bytes.indexOf(sync, begin);
      if (end !== -1) {
        this.#offset += end + sync.length;
        return end - (begin + start.length);
      }
      this.checkRunning();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** Ends the build's script. */
  stop(): Promise<void> {
    return this.#hand(this.#next++, "");
  }

  async #hand(n: number, probe: string): Promise<void> {
    const staged = path.join(this.dir, `.probe-${n}`);
    await writeFile(staged, probe, { mode: 0o644 });
    // Renamed into place: the build never reads half a probe.
    await rename(staged, path.join(this.dir, `probe-${n}`));
  }
}

async function readFrom(file: string, offset: number): Promise<Buffer> {
  const handle = await open(file, "r").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return null;
    throw error;
  });
  if (!handle) return Buffer.alloc(0);
  try {
    const { size } = await handle.stat();
    const buffer = Buffer.alloc(Math.max(0, size - offset));
    await handle.read(buffer, 0, buffer.length, offset);
    return buffer;
  } finally {
    await handle.close();
  }
}
