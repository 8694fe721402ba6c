import { SlashbuildError } from "../core/errors.js";

/**
 * Turns "the disk is full" from SQLite into one clear SlashbuildError (STORAGE_FULL), whose message
 * is what a person in chat is told, and reports the file to `onFull` (app.ts logs it with its
 * path, for the admin). Every write of the stores goes through `run`. Other errors pass unchanged.
 */

export const STORAGE_FULL_MESSAGE = "slashbuild cannot store builds: its disk is full; tell the admin.";

export class StorageGuard {
  readonly file: string;
  readonly #onFull: (file: string, error: unknown) => void;

  constructor(file: string, onFull: (file: string, error: unknown) => void = () => {}) {
    this.file = file;
    this.#onFull = onFull;
  }

  /** Runs a synchronous write; SQLITE_FULL (and ENOSPC below it) becomes STORAGE_FULL. */
  run<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      if (!isDiskFull(error)) throw error;
      this.#onFull(this.file, error);
      throw new SlashbuildError("STORAGE_FULL", STORAGE_FULL_MESSAGE, { cause: error });
    }
  }
}

/** No guard: errors pass as they are (tests and tools that open a store directly). */
export const UNGUARDED = new StorageGuard(":unguarded:");

export function isDiskFull(error: unknown): boolean {
  if (error instanceof SlashbuildError) return error.code === "STORAGE_FULL";
  const code = (error as { code?: unknown } | null)?.code;
  return code === "SQLITE_FULL" || code === "ENOSPC";
}
