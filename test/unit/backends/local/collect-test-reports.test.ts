import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { TestReportCollector } from "../../../../src/backends/local/collect-test-reports.js";
import { parseJunit } from "../../../../src/backends/local/parse-junit.js";
import { DEFAULT_TEST_REPORT_LIMITS, type TestReportLimits } from "../../../../src/config/config.js";
import { compileReportGlob, type GlobSegment, matchesSegment } from "../../../../src/core/report-glob.js";
import type { TestReport } from "../../../../src/core/test-report.js";
import { openDatabase } from "../../../../src/store/open-database.js";
import { SqliteBuildStore } from "../../../../src/store/sqlite-build-store.js";
import { tempDirPerTest } from "../../../helpers/temp-dir-per-test.js";

/**
 * A build's test reports as the embedded runner reads them after a step: real files in a real
 * working copy, the real SQLite store. Flaky tests across builds of a commit, the bounds and what
 * the report says of them, and a working copy that points outside itself.
 */

const newDir = tempDirPerTest("slashbuild-reports-");
const SHA = "a".repeat(40);
const FIXTURES = path.resolve("test/fixtures/junit");

interface Setup {
  readonly workspace: string;
  readonly store: SqliteBuildStore;
  readonly log: string;
}

async function setup(): Promise<Setup> {
  const dir = await newDir();
  const workspace = path.join(dir, "work");
  mkdirSync(workspace);
  const log = path.join(dir, "step-0.log");
  writeFileSync(log, "collecting ...\ntests/test_auth.py::test_login FAILED\nsummary\n");
  return { workspace, store: new SqliteBuildStore(openDatabase(path.join(dir, "db.sqlite"))), log };
}

function newBuild(store: SqliteBuildStore): number {
  return store.create({
    repo: "app",
    branch: "main",
    requestedRevision: null,
    requester: "alice",
    requesterId: "uid-alice",
    channelId: "c",
    channelName: "ci",
    backend: "local",
    rebuildOf: null,
    createdAt: 1,
  }).id;
}

async function collect(
  { workspace, store, log }: Setup,
  globs: readonly string[],
  options: { limits?: Partial<TestReportLimits>; sha?: string; secrets?: string[] } = {},
): Promise<TestReport> {
  const id = newBuild(store);
  const collector = new TestReportCollector({
    build: { id, repo: "app" },
    globs,
    workspace,
    logFile: () => log,
    limits: { ...DEFAULT_TEST_REPORT_LIMITS, ...options.limits },
    secrets: options.secrets ?? [],
    store: store.tests,
  });
  await collector.afterStep(0, options.sha ?? SHA, new AbortController().signal);
  return store.get(id)?.tests as TestReport;
}

const junit = (cases: string) => `<testsuite name="s">${cases}</testsuite>`;

describe("TestReportCollector", () => {
  it("reads pytest's report: counts, failed tests with message, output and the log line naming them", async () => {
    const s = await setup();
    mkdirSync(path.join(s.workspace, "reports"));
    copyFileSync(path.join(FIXTURES, "pytest.xml"), path.join(s.workspace, "reports", "junit.xml"));
    const report = await collect(s, ["reports/*.xml"], { secrets: ["secret & stuff"] });
    expect(report).toMatchObject({ passed: 2, failed: 3, skipped: 1, files: 1, flaky: [], notes: [] });
    expect(report.failures.map((f) => f.name)).toEqual(["test_login", "test_logout", "test_even[1]"]);
    expect(report.failures[0]).toMatchObject({
      classname: "tests.test_auth",
      message: "AssertionError: login returned the wrong user assert (1 + 1) == 3",
      step: 0,
      line: 2,
    });
    expect(report.failures[0]?.output).toMatch(/^def test_login\(\):/);
    // The report is the build's raw output: secrets are masked before anything is kept.
    expect(report.failures[1]?.output).toContain("token: <****>");
    expect(report.failures[1]?.line).toBeNull();
  });

  it("says when no file matched", async () => {
    const report = await collect(await setup(), ["reports/*.xml"]);
    expect(report).toMatchObject({
      passed: 0,
      failed: 0,
      files: 0,
      notes: ["no file matched reports/*.xml"],
    });
  });

  it("marks a test flaky when it failed in an earlier build of the same commit and passes now", async () => {
    const s = await setup();
    const file = path.join(s.workspace, "junit.xml");
    writeFileSync(file, junit(`<testcase classname="m" name="test_a"><failure message="boom"/></testcase>`));
    const first = await collect(s, ["junit.xml"]);
    expect(first.failed).toBe(1);
    writeFileSync(
      file,
      junit(`<testcase classname="m" name="test_a"/><testcase classname="m" name="test_b"/>`),
    );
    const rerun = await collect(s, ["junit.xml"]);
    expect(rerun.flaky).toEqual([{ name: "test_a", classname: "m", step: 0, failedIn: 1 }]);
    // Another commit's failure says nothing of this one.
    const other = await collect(s, ["junit.xml"], { sha: "b".repeat(40) });
    expect(other.flaky).toEqual([]);
  });

  it("reads at most max_files files and says so on the report", async () => {
    const s = await setup();
    for (const n of [1, 2, 3]) {
      writeFileSync(path.join(s.workspace, `r${n}.xml`), junit(`<testcase name="t${n}"/>`));
    }
    const report = await collect(s, ["*.xml"], { limits: { maxFiles: 2 } });
    expect(report).toMatchObject({ passed: 2, files: 2 });
    expect(report.notes).toEqual(["only the first 2 report files were read (runner.test_reports.max_files)"]);
  });

  it("cuts a file at max_file_size, counting the tests before, and skips files past max_total_size", async () => {
    const s = await setup();
    const cases = Array.from({ length: 100 }, (_, i) => `<testcase name="t${i}"/>`).join("");
    writeFileSync(path.join(s.workspace, "a.xml"), junit(cases));
    const size = statSync(path.join(s.workspace, "a.xml")).size;
    const cut = await collect(s, ["a.xml"], { limits: { maxFileBytes: Math.floor(size / 2) } });
    expect(cut.passed).toBeGreaterThan(10);
    expect(cut.passed).toBeLessThan(100);
    expect(cut.notes).toEqual([
      `a.xml was cut after ${Math.floor(size / 2)} bytes (runner.test_reports.max_file_size)`,
    ]);

    writeFileSync(path.join(s.workspace, "b.xml"), junit(cases));
    const total = await collect(s, ["*.xml"], { limits: { maxTotalBytes: size } });
    expect(total.passed).toBe(100);
    expect(total.notes).toEqual([
      "b.xml was not read: the reports of this build passed runner.test_reports.max_total_size",
    ]);
  });

  it("keeps max_failures failed tests with their texts and counts the rest", async () => {
    const s = await setup();
    const cases = Array.from({ length: 7 }, (_, i) => `<testcase name="t${i}"><failure/></testcase>`).join(
      "",
    );
    writeFileSync(path.join(s.workspace, "a.xml"), junit(cases));
    const report = await collect(s, ["a.xml"], { limits: { maxFailures: 3 } });
    expect(report.failed).toBe(7);
    expect(report.failures.map((f) => f.name)).toEqual(["t0", "t1", "t2"]);
  });

  it("says a file is not well-formed XML or not a JUnit report", async () => {
    const s = await setup();
    writeFileSync(path.join(s.workspace, "a.xml"), `<testsuite><testcase name="t"/><oops></testsuite>`);
    writeFileSync(path.join(s.workspace, "b.xml"), `<project/>`);
    const report = await collect(s, ["*.xml"]);
    expect(report.passed).toBe(1);
    expect(report.notes[0]).toMatch(
      /^a\.xml is not well-formed XML \(line 1, column \d+: Unexpected close tag/,
    );
    expect(report.notes[1]).toBe("b.xml is not a JUnit report (its root element is <project>)");
  });
});

/**
 * A build controls its working copy: a report that is a symbolic link, or lies in a linked
 * folder, must not make slashbuild (root, or its own user) read a file outside it. The same
 * working copy is read by slashbuild's reader and by a reader that follows paths as a plain glob
 * does (the defence off): the second one reads the outside file, the first refuses it and says so.
 */
describe("a working copy that points outside itself", () => {
  const OUTSIDE = "test_read_from_outside";

  /** The defence off: globs matched on paths, links followed, files read by path. */
  async function followingReader(workspace: string, globs: readonly string[]): Promise<string[]> {
    const names: string[] = [];
    const walk = async (dir: string, segments: readonly GlobSegment[]): Promise<void> => {
      const [segment, ...rest] = segments;
      if (!segment) {
        const chunks = (async function* () {
          yield readFileSync(dir, "utf8");
        })();
        await parseJunit(chunks, (c) => names.push(c.name.text), { textLimit: 100, whole: () => true });
        return;
      }
      if (segment.kind === "globstar") {
        await walk(dir, rest);
        for (const name of readdirSync(dir)) {
          if (statSync(path.join(dir, name)).isDirectory()) await walk(path.join(dir, name), segments);
        }
        return;
      }
      for (const name of readdirSync(dir)) {
        const ok = segment.kind === "literal" ? segment.name === name : matchesSegment(segment, name);
        if (ok) await walk(path.join(dir, name), rest);
      }
    };
    for (const glob of globs) {
      const compiled = compileReportGlob(glob);
      if (typeof compiled !== "string") await walk(workspace, compiled.segments);
    }
    return names;
  }

  async function plant(): Promise<{ s: Setup; outside: string }> {
    const s = await setup();
    const outside = path.join(path.dirname(s.workspace), "outside");
    mkdirSync(outside);
    writeFileSync(path.join(outside, "secret.xml"), junit(`<testcase name="${OUTSIDE}"/>`));
    mkdirSync(path.join(s.workspace, "reports"));
    writeFileSync(path.join(s.workspace, "reports", "own.xml"), junit(`<testcase name="test_own"/>`));
    return { s, outside };
  }

  const readers = [{ defence: "on" }, { defence: "off" }] as const;

  it.each(readers)(
    "a report that is a symbolic link to a file outside (defence $defence)",
    async ({ defence }) => {
      const { s, outside } = await plant();
      symlinkSync(path.join(outside, "secret.xml"), path.join(s.workspace, "reports", "link.xml"));
      const names =
        defence === "on"
          ? await namesRead(s, ["reports/*.xml"])
          : await followingReader(s.workspace, ["reports/*.xml"]);
      expect(names.includes("test_own")).toBe(true);
      expect(names.includes(OUTSIDE)).toBe(defence === "off");
      if (defence === "on") {
        expect((await lastReport(s)).notes).toContain("reports/link.xml is a symbolic link: not read");
      }
    },
  );

  it.each(readers)(
    "a folder that is a symbolic link to one outside (defence $defence)",
    async ({ defence }) => {
      const { s, outside } = await plant();
      symlinkSync(outside, path.join(s.workspace, "linked"));
      const globs = ["linked/*.xml", "*/secret.xml", "**/*.xml"];
      const names = defence === "on" ? await namesRead(s, globs) : await followingReader(s.workspace, globs);
      expect(names.includes("test_own")).toBe(true);
      expect(names.includes(OUTSIDE)).toBe(defence === "off");
      if (defence === "on")
        expect((await lastReport(s)).notes).toContain("linked is a symbolic link: not followed");
    },
  );

  it("refuses a FIFO, which would block the read forever", async () => {
    const { s } = await plant();
    execFileSync("mkfifo", [path.join(s.workspace, "reports", "pipe.xml")]);
    const names = await namesRead(s, ["reports/*.xml"]);
    expect(names).toEqual(["test_own"]);
    expect((await lastReport(s)).notes).toContain("reports/pipe.xml is not a regular file: not read");
  });

  /** Names of every test the collector read (passed ones too: the report is made all-failing). */
  async function namesRead(s: Setup, globs: readonly string[]): Promise<string[]> {
    // Passed tests are only counted; read the names through a failing twin of each file.
    for (const dir of [path.join(s.workspace, "reports"), path.join(path.dirname(s.workspace), "outside")]) {
      for (const name of readdirSync(dir)) {
        const file = path.join(dir, name);
        if (!statSync(file).isFile()) continue;
        writeFileSync(
          file,
          readFileSync(file, "utf8").replace(
            /<testcase name="([^"]+)"\/>/g,
            '<testcase name="$1"><failure/></testcase>',
          ),
        );
      }
    }
    return (await collect(s, globs)).failures.map((f) => f.name);
  }

  async function lastReport(s: Setup): Promise<TestReport> {
    const last = s.store.list({}).reduce((max, b) => Math.max(max, b.id), 0);
    return s.store.get(last)?.tests as TestReport;
  }
});
