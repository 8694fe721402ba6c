import type { Logger } from "pino";
import {
  DEFAULT_TEST_REPORT_LIMITS,
  type RepoConfig,
  type RunnerConfig,
  type TestReportLimits,
} from "../../config/config.js";
import type { CommitHistory, TestReportStore } from "../../core/ports.js";
import { compileReportGlob, type ReportGlob } from "../../core/report-glob.js";
import { ReportWalk } from "./find-report-files.js";
import { findTestLines } from "./find-test-lines.js";
import type { LogFiles } from "./log-files.js";
import { type ParsedCase, parseJunit } from "./parse-junit.js";
import { captureLength, storedText } from "./report-text.js";
import { type FileTally, TestReportTally } from "./test-report-tally.js";
import { HeldDirectory, Refused, readText } from "./workspace-files.js";

/**
 * A build's test reports on the embedded runner (`repos.<name>.test_reports`): after each step,
 * the files its globs match in the working copy are read (workspace-files.ts: never through a
 * link, nothing but regular files inside the working copy), parsed as they stream in
 * (parse-junit.ts), and the build's report is saved, replacing the last. Bounded by
 * `runner.test_reports`; what a bound or a refusal left out is said in the report's notes. Every
 * text is masked before it is kept. It never throws: a failure to read is a note and a log line.
 */

/** Characters kept of a failure's message, of its output, of a test's name. */
export const MESSAGE_CHARS = 500;
export const OUTPUT_CHARS = 2000;
export const NAME_CHARS = 300;
const NOTE_CHARS = 300;

export interface CollectorOptions {
  readonly build: { readonly id: number; readonly repo: string };
  readonly globs: readonly string[];
  readonly workspace: string;
  /** The step's log file, searched for the failed tests' names. */
  readonly logFile: (step: number) => string;
  readonly limits: TestReportLimits;
  /** Every secret to mask in what is kept. */
  readonly secrets: readonly string[];
  readonly store: TestReportStore;
  readonly logger?: Logger;
}

export class TestReportCollector {
  readonly #options: CollectorOptions;
  readonly #globs: readonly ReportGlob[];
  readonly #tally: TestReportTally;
  readonly #textLimit: number;
  #bytes = 0;

  constructor(options: CollectorOptions) {
    this.#options = options;
    // Checked at config load; a pattern that does not compile here is left out.
    this.#globs = options.globs.map(compileReportGlob).filter((g): g is ReportGlob => typeof g !== "string");
    this.#tally = new TestReportTally(options.limits.maxFailures);
    this.#textLimit = captureLength(OUTPUT_CHARS, options.secrets);
  }

  /** Reads what the step left (new or changed report files) and saves the build's report. */
  async afterStep(step: number, sha: string, signal: AbortSignal): Promise<void> {
    const { build, logger } = this.#options;
    // A stopped build's reports are left alone: what a cut-short search found would mislead.
    if (signal.aborted) return;
    try {
      await this.#read(step, sha, signal);
      if (signal.aborted) return;
      const unplaced = this.#tally.unplaced(step);
      if (unplaced.length > 0) {
        const names = unplaced.map((failure) => failure.name);
        this.#tally.place(step, await findTestLines(this.#options.logFile(step), names, signal));
      }
    } catch (error) {
      logger?.warn({ buildId: build.id, step, err: error }, "could not read the test reports");
      this.#note(`the test reports could not be read: ${(error as Error).message}`);
    }
    const extra =
      this.#tally.files === 0 ? [`no file matched ${this.#globs.map((g) => g.pattern).join(", ")}`] : [];
    try {
      this.#options.store.save({ ...build, sha }, this.#tally.summary(extra));
    } catch (error) {
      logger?.warn({ buildId: build.id, err: error }, "could not store the test report");
    }
  }

  async #read(step: number, sha: string, signal: AbortSignal): Promise<void> {
    const { build, store, limits } = this.#options;
    const history = { repo: build.repo, sha, before: build.id };
    // One seek: a commit that never failed a test asks nothing per passing test.
    const flakyPossible = store.anyFailed(history);
    const walk = new ReportWalk(
      { maxFiles: limits.maxFiles, signal, note: (text) => this.#note(text) },
      (dir, name) => this.#file(dir, name, step, signal, flakyPossible ? history : null),
    );
    const top = await HeldDirectory.top(this.#options.workspace);
    try {
      for (const glob of this.#globs) await walk.run(top, glob);
    } finally {
      await top.close();
    }
  }

  async #file(
    dir: HeldDirectory,
    name: string,
    step: number,
    signal: AbortSignal,
    history: CommitHistory | null,
  ): Promise<void> {
    const path = dir.below(name);
    const opened = await dir.file(name);
    if (opened === null) return;
    if (opened instanceof Refused) {
      this.#note(`${opened.why}: not read`);
      return;
    }
    const { handle, stat } = opened;
    try {
      const signature = `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}`;
      if (this.#tally.unchanged(path, signature)) return;
      const room = this.#options.limits.maxTotalBytes - this.#bytes;
      if (room <= 0) {
        this.#note(
          `${path} was not read: the reports of this build passed runner.test_reports.max_total_size`,
        );
        return;
      }
      const file = this.#tally.begin(path, signature);
      const { chunks, read } = readText(handle, Math.min(this.#options.limits.maxFileBytes, room));
      const stoppable = untilAborted(chunks, signal);
      const reading = await parseJunit(stoppable, (testcase) => this.#case(file, testcase, step, history), {
        textLimit: this.#textLimit,
        whole: () => !read.cut && !signal.aborted,
      });
      this.#bytes += read.bytes;
      if (read.cut)
        this.#note(`${path} was cut after ${read.bytes} bytes (runner.test_reports.max_file_size)`);
      if (reading.error)
        this.#note(`${path} is not well-formed XML (${reading.error}); its tests before that are counted`);
      else if (reading.root !== null && reading.root !== "testsuites" && reading.root !== "testsuite") {
        this.#note(`${path} is not a JUnit report (its root element is <${reading.root}>)`);
      }
    } finally {
      await handle.close();
    }
  }

  #case(
    file: FileTally & { readonly path: string },
    testcase: ParsedCase,
    step: number,
    history: CommitHistory | null,
  ): void {
    this.#tally.count(file.path, testcase.outcome);
    const { secrets } = this.#options;
    const name = () => storedText(testcase.name, secrets, NAME_CHARS, true);
    const classname = () => storedText(testcase.classname, secrets, NAME_CHARS, true);
    if (testcase.outcome === "failed" && this.#tally.roomForFailure()) {
      const message = testcase.message ?? firstLine(testcase.output);
      this.#tally.keepFailure(file, {
        name: name(),
        classname: classname(),
        message: storedText(message, secrets, MESSAGE_CHARS, true),
        output: storedText(testcase.output, secrets, OUTPUT_CHARS),
        step,
        line: null,
      });
    } else if (testcase.outcome === "passed" && history && this.#tally.roomForFlaky()) {
      const key = { ...history, name: name(), classname: classname() };
      const failedIn = this.#options.store.failedIn(key);
      if (failedIn !== null)
        this.#tally.keepFlaky(file, { name: key.name, classname: key.classname, step, failedIn });
    }
  }

  #note(text: string): void {
    this.#tally.note(storedText({ text, complete: true }, this.#options.secrets, NOTE_CHARS, true));
  }
}

function firstLine(output: ParsedCase["output"]): ParsedCase["output"] {
  const line = output.text.split("\n", 1)[0] ?? "";
  return { text: line, complete: output.complete || line.length < output.text.length };
}

/** The chunks until the build is stopped. */
async function* untilAborted(chunks: AsyncIterable<string>, signal: AbortSignal): AsyncIterable<string> {
  for await (const chunk of chunks) {
    if (signal.aborted) return;
    yield chunk;
  }
}

/** The run-build hook that reads a build's test reports; undefined when its repo has none or nothing stores them. */
export function testReportsAfterStep(
  store: TestReportStore | undefined,
  parts: {
    readonly build: { readonly id: number; readonly repo: string };
    readonly repo: RepoConfig;
    readonly runner: RunnerConfig;
    readonly workspace: string;
    readonly logs: LogFiles;
    readonly extraSecrets: readonly string[];
    readonly logger?: Logger | undefined;
  },
): ((step: number, sha: string, signal: AbortSignal) => Promise<void>) | undefined {
  const globs = parts.repo.testReports ?? [];
  if (!store || globs.length === 0) return undefined;
  const collector = new TestReportCollector({
    build: parts.build,
    globs,
    workspace: parts.workspace,
    logFile: (step) => parts.logs.pathFor(parts.build.id, step),
    limits: parts.runner.testReports ?? DEFAULT_TEST_REPORT_LIMITS,
    secrets: [...Object.values(parts.repo.secrets), ...parts.extraSecrets],
    store,
    ...(parts.logger ? { logger: parts.logger } : {}),
  });
  return (step, sha, signal) => collector.afterStep(step, sha, signal);
}
