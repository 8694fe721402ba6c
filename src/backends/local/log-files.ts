import { readFile } from "node:fs/promises";
import path from "node:path";

/**
 * Where the embedded runner keeps step output: `<dataDir>/logs/<buildId>/<stepIndex>.log`, already
 * masked and capped. Reading is for the web pages; `read` accepts a Build so this is a LogSource.
 */
export class LogFiles {
  readonly #root: string;

  constructor(dataDir: string) {
    this.#root = path.join(dataDir, "logs");
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
}

/** Ids come from URLs too: only a non-negative integer may become part of a path. */
function safeInteger(value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`not a build or step number: ${value}`);
  return value;
}
