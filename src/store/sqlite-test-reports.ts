import type { CommitHistory, TestReportStore } from "../core/ports.js";
import type { FailedTest, FlakyTest, TestReport } from "../core/test-report.js";
import type { Db } from "./open-database.js";
import { type StorageGuard, UNGUARDED } from "./storage-guard.js";

/**
 * The builds' test reports on SQLite (migration 14): `save` replaces a build's report in one
 * transaction; `read` gives it back for the build's page and posts (SqliteBuildStore.get adds it
 * to the Build); the flaky questions are single seeks of the partial index test_cases_failed.
 */

interface ReportRow {
  passed: number;
  failed: number;
  skipped: number;
  files: number;
  notes: string;
}

interface CaseRow {
  outcome: "failed" | "flaky";
  name: string;
  classname: string;
  message: string;
  output: string;
  step: number;
  line: number | null;
  failed_in: number | null;
}

export class SqliteTestReports implements TestReportStore {
  readonly #report;
  readonly #cases;
  readonly #anyFailed;
  readonly #failedIn;
  readonly #save;

  constructor(db: Db, guard: StorageGuard = UNGUARDED) {
    this.#report = db.prepare<[number], ReportRow>(
      "SELECT passed, failed, skipped, files, notes FROM test_reports WHERE build_id = ?",
    );
    this.#cases = db.prepare<[number], CaseRow>(
      `SELECT outcome, name, classname, message, output, step, line, failed_in
       FROM test_cases WHERE build_id = ? ORDER BY seq`,
    );
    this.#anyFailed = db.prepare<[string, string, number], { found: number }>(
      `SELECT 1 AS found FROM test_cases
       WHERE repo = ? AND sha = ? AND outcome = 'failed' AND build_id < ? LIMIT 1`,
    );
    this.#failedIn = db.prepare<[string, string, string, string, number], { build_id: number }>(
      `SELECT build_id FROM test_cases
       WHERE repo = ? AND sha = ? AND name = ? AND outcome = 'failed' AND classname = ? AND build_id < ?
       ORDER BY build_id DESC LIMIT 1`,
    );
    const deleteCases = db.prepare<[number]>("DELETE FROM test_cases WHERE build_id = ?");
    const upsert = db.prepare(
      `INSERT OR REPLACE INTO test_reports (build_id, passed, failed, skipped, files, notes)
       VALUES (@id, @passed, @failed, @skipped, @files, @notes)`,
    );
    const insertCase = db.prepare(
      `INSERT INTO test_cases (build_id, seq, outcome, repo, sha, name, classname, message, output, step, line, failed_in)
       VALUES (@id, @seq, @outcome, @repo, @sha, @name, @classname, @message, @output, @step, @line, @failedIn)`,
    );
    const transaction = db.transaction(
      (build: { id: number; repo: string; sha: string }, report: TestReport) => {
        deleteCases.run(build.id);
        upsert.run({ ...build, ...report, notes: JSON.stringify(report.notes) });
        const rows = [
          ...report.failures.map((test) => ({ outcome: "failed", ...test, failedIn: null })),
          ...report.flaky.map((test) => ({ outcome: "flaky", ...test, message: "", output: "", line: null })),
        ];
        rows.forEach((row, seq) => {
          insertCase.run({ ...row, id: build.id, repo: build.repo, sha: build.sha, seq });
        });
      },
    );
    this.#save = (build: { id: number; repo: string; sha: string }, report: TestReport) =>
      guard.run(() => transaction(build, report));
  }

  save(
    build: { readonly id: number; readonly repo: string; readonly sha: string },
    report: TestReport,
  ): void {
    this.#save(build, report);
  }

  anyFailed(where: CommitHistory): boolean {
    return this.#anyFailed.get(where.repo, where.sha, where.before) !== undefined;
  }

  failedIn(where: CommitHistory & { readonly name: string; readonly classname: string }): number | null {
    const row = this.#failedIn.get(where.repo, where.sha, where.name, where.classname, where.before);
    return row?.build_id ?? null;
  }

  /** The build's report, or null when none was saved. */
  read(buildId: number): TestReport | null {
    const report = this.#report.get(buildId);
    if (!report) return null;
    const failures: FailedTest[] = [];
    const flaky: FlakyTest[] = [];
    for (const row of this.#cases.all(buildId)) {
      const { name, classname, step } = row;
      if (row.outcome === "flaky") flaky.push({ name, classname, step, failedIn: row.failed_in ?? 0 });
      else failures.push({ name, classname, step, message: row.message, output: row.output, line: row.line });
    }
    return {
      passed: report.passed,
      failed: report.failed,
      skipped: report.skipped,
      files: report.files,
      failures,
      flaky,
      notes: JSON.parse(report.notes) as string[],
    };
  }
}
