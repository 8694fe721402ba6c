import { readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { LogTail } from "../../core/ports.js";
import { readFileTail } from "./read-file-tail.js";

/**
 * Where the embedded runner keeps step output: `<dataDir>/logs/<buildId>/<stepIndex>.log`, already
 * masked and capped. `read` (whole log) is for the web pages and accepts a Build, so this is a
 * LogSource; `readTail` reads a bounded end of it, for chat's failure excerpts (a LogTailSource).
 */
export class LogFiles {
  readonly #root: string;

  constructor(dataDir: string) {
    this.#root = path.join(dataDir, "logs");
  }

  /** The highest build number with a log folder, 0 when none: what the runner has written, whatever the database says. */
  highestBuildId(): number {
    try {
      return readdirSync(this.#root)
        .filter((name) => /^\d+$/.test(name))
        .reduce((highest, name) => Math.max(highest, Number(name)), 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return 0;
      throw error;
    }
  }

  dirFor(buildId: number): string {
    return path.join(this.#root, String(safeInteger(buildId)));
  }

  pathFor(buildId: number, stepIndex: number): string {
    return path.join(this.dirFor(buildId), `${safeInteger(stepIndex)}.log`);
  }

  /** The step's output so far, or null when the step has not produced a log (yet). */
  async read(build: number | { readonly id: number }, stepIndex: number): Promise<string | null> {
    const buildId = typeof build === "number" ? build : build.id;
    try {
      return await readFile(this.pathFor(buildId, stepIndex), "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    }
  }

  /** The step's last `maxBytes` (whole lines only), or null when it has no log; for failure excerpts. */
  async readTail(
    build: number | { readonly id: number },
    stepIndex: number,
    maxBytes: number,
  ): Promise<LogTail | null> {
    const buildId = typeof build === "number" ? build : build.id;
    try {
      return await readFileTail(this.pathFor(buildId, stepIndex), maxBytes);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    }
  }
}

/** Ids come from URLs too: only a non-negative integer may become part of a path. */
function safeInteger(value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`not a build or step number: ${value}`);
  return value;
}
