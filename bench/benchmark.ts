/**
 * The shape every benchmark module exports, so bench/run.ts can list them: add a module, add it
 * to BENCHMARKS in run.ts. A benchmark reports measurements and ratios against a target; it never
 * passes or fails (timing on a shared machine is not a test).
 */
export interface Benchmark {
  readonly name: string;
  /** Why it can't run here (missing Buildbot, ...), or null. */
  unavailable(): string | null;
  run(): Promise<BenchReport>;
}

export interface BenchReport {
  /** Markdown table rows: header first. */
  readonly table: readonly (readonly string[])[];
  /** One line per target: what was asked, what was measured. */
  readonly verdicts: readonly string[];
  readonly notes?: readonly string[];
}

export const fmt = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");
