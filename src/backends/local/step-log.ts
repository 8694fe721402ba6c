import { createWriteStream, type WriteStream } from "node:fs";
import { finished } from "node:stream/promises";
import { StringDecoder } from "node:string_decoder";
import { encodeTimeRecord } from "../../core/log-times.js";
import { createSecretMasker } from "../../core/mask-secrets.js";

/** One output stream of a step (stdout or stderr) feeding the step's log. */
export interface StepLogInput {
  write(chunk: Buffer): void;
  /** Flushes what the masker held back; call when the stream has ended. */
  end(): void;
}

export interface StepLogOptions {
  readonly file: string;
  readonly limitBytes: number;
  readonly secrets: readonly string[];
  /** Sees exactly what is written to the file (masked), for live log viewers. */
  readonly onText?: (text: string) => void;
  /** Where to record when lines arrived (core/log-times.ts); none when absent. */
  readonly timesFile?: string;
  readonly clock?: () => number;
}

/**
 * A step's log file: stdout and stderr interleaved (line by line), secrets masked before anything
 * touches the disk, and capped in size. Past the cap the caller keeps feeding data and it is
 * dropped: the pipe must keep draining or the build would block on a full pipe buffer. Beside it,
 * when asked, the times its lines arrived: one record per second with output (core/log-times.ts).
 */
export class StepLog {
  readonly #out: WriteStream;
  readonly #limit: number;
  readonly #secrets: readonly string[];
  readonly #onText: ((text: string) => void) | undefined;
  readonly #times: WriteStream | null;
  readonly #clock: () => number;
  #second = -1;
  #written = 0;
  #truncated = false;
  #error: Error | null = null;

  constructor(options: StepLogOptions) {
    this.#out = createWriteStream(options.file, { flags: "w" });
    // Disk trouble must not crash the service; it is reported when the log is closed.
    this.#out.on("error", (error) => {
      this.#error ??= error;
    });
    this.#limit = options.limitBytes;
    this.#secrets = options.secrets;
    this.#onText = options.onText;
    this.#clock = options.clock ?? Date.now;
    this.#times = options.timesFile ? createWriteStream(options.timesFile, { flags: "w" }) : null;
    // Times are a convenience: a disk error there costs the page its times, never the build its log.
    this.#times?.on("error", () => {});
  }

  get truncated(): boolean {
    return this.#truncated;
  }

  input(): StepLogInput {
    const decoder = new StringDecoder("utf8");
    const masker = createSecretMasker(this.#secrets);
    return {
      write: (chunk) => this.append(masker.push(decoder.write(chunk))),
      end: () => this.append(masker.push(decoder.end()) + masker.end()),
    };
  }

  /** Appends text that is already safe to show (masked), honouring the cap. */
  append(text: string): void {
    if (this.#truncated || text.length === 0) return;
    const bytes = Buffer.from(text, "utf8");
    if (this.#written + bytes.length <= this.#limit) {
      this.#emit(bytes, text);
      return;
    }
    const room = this.#limit - this.#written;
    // Cut on a character boundary so the file stays valid UTF-8.
    const head = new StringDecoder("utf8").write(bytes.subarray(0, room));
    this.#emit(Buffer.from(head, "utf8"), head);
    this.#truncated = true;
    const notice = `${head.endsWith("\n") || head.length === 0 ? "" : "\n"}[slashbuild: log truncated at ${this.#limit} bytes]\n`;
    this.#stamp(this.#written);
    this.#out.write(notice);
    this.#onText?.(notice);
  }

  #emit(bytes: Buffer, text: string): void {
    if (bytes.length === 0) return;
    this.#stamp(this.#written);
    this.#written += bytes.length;
    this.#out.write(bytes);
    this.#onText?.(text);
  }

  /** Records that what starts at `offset` arrives now, if nothing was recorded in this second yet. */
  #stamp(offset: number): void {
    if (!this.#times) return;
    const at = this.#clock();
    const second = Math.floor(at / 1000);
    if (second === this.#second) return;
    this.#second = second;
    this.#times.write(encodeTimeRecord({ offset, at }));
  }

  async close(): Promise<void> {
    if (this.#times) {
      this.#times.end();
      await finished(this.#times).catch(() => {});
    }
    if (!this.#error) {
      this.#out.end();
      await finished(this.#out).catch((error: Error) => {
        this.#error ??= error;
      });
    }
    if (this.#error) throw this.#error;
  }
}
