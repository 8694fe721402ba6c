import type { FailedTest, FlakyTest, TestReport } from "../../core/test-report.js";

/**
 * One build's test reports, file by file, as read after each step. A file is read again only when
 * it changed (another step wrote it anew), and then what it said replaces what it said before, so
 * a report left in place is never counted twice. At most `maxFailures` failed tests (and as many
 * flaky ones) are kept with their texts, across all files; every test is counted. Notes are kept
 * once each, at most MAX_NOTES.
 */

export const MAX_NOTES = 20;

interface FileResult {
  readonly signature: string;
  passed: number;
  failed: number;
  skipped: number;
  readonly failures: FailedTest[];
  readonly flaky: FlakyTest[];
}

export type FileTally = Pick<FileResult, "failures" | "flaky">;

export class TestReportTally {
  readonly #files = new Map<string, FileResult>();
  readonly #notes = new Set<string>();
  readonly #maxFailures: number;
  #keptFailures = 0;
  #keptFlaky = 0;

  constructor(maxFailures: number) {
    this.#maxFailures = maxFailures;
  }

  /** Files read so far. */
  get files(): number {
    return this.#files.size;
  }

  /** Whether the file at `path` was read as it is now (same signature): then it is not read again. */
  unchanged(path: string, signature: string): boolean {
    return this.#files.get(path)?.signature === signature;
  }

  /** Starts (or restarts) a file: what it said before is forgotten. */
  begin(path: string, signature: string): FileTally & { readonly path: string } {
    const old = this.#files.get(path);
    if (old) {
      this.#keptFailures -= old.failures.length;
      this.#keptFlaky -= old.flaky.length;
    }
    const fresh: FileResult = { signature, passed: 0, failed: 0, skipped: 0, failures: [], flaky: [] };
    this.#files.set(path, fresh);
    return { path, failures: fresh.failures, flaky: fresh.flaky };
  }

  /** Counts a test of the file begun as `path`. */
  count(path: string, outcome: "passed" | "failed" | "skipped"): void {
    const file = this.#files.get(path);
    if (file) file[outcome]++;
  }

  /** Whether there is room for one more failed test's texts; call `keepFailure` if it was kept. */
  roomForFailure(): boolean {
    return this.#keptFailures < this.#maxFailures;
  }

  keepFailure(file: FileTally, failure: FailedTest): void {
    file.failures.push(failure);
    this.#keptFailures++;
  }

  roomForFlaky(): boolean {
    return this.#keptFlaky < this.#maxFailures;
  }

  keepFlaky(file: FileTally, flaky: FlakyTest): void {
    file.flaky.push(flaky);
    this.#keptFlaky++;
  }

  note(text: string): void {
    if (this.#notes.size < MAX_NOTES) this.#notes.add(text);
  }

  /** Failed tests read after `step` that have no log line yet. */
  unplaced(step: number): FailedTest[] {
    return [...this.#files.values()].flatMap((file) =>
      file.failures.filter((failure) => failure.step === step && failure.line === null),
    );
  }

  /** Sets the log lines found for the failures of `step` (by name). */
  place(step: number, lines: ReadonlyMap<string, number>): void {
    for (const file of this.#files.values()) {
      file.failures.forEach((failure, index) => {
        const line = lines.get(failure.name);
        if (failure.step === step && failure.line === null && line !== undefined) {
          file.failures[index] = { ...failure, line };
        }
      });
    }
  }

  /** The build's report as it stands; `extra` notes are said after the kept ones. */
  summary(extra: readonly string[] = []): TestReport {
    const files = [...this.#files.values()];
    const sum = (key: "passed" | "failed" | "skipped") => files.reduce((n, file) => n + file[key], 0);
    return {
      passed: sum("passed"),
      failed: sum("failed"),
      skipped: sum("skipped"),
      files: files.length,
      failures: files.flatMap((file) => file.failures),
      flaky: files.flatMap((file) => file.flaky),
      notes: [...this.#notes, ...extra],
    };
  }
}
