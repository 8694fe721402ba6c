import { type Benchmark, fmt } from "./benchmark.js";
import { type ProbedRun, probeBuild } from "./probed-build.js";

/**
 * Issue 21's speed and memory targets for test reports: a build that writes a 50 MB JUnit report,
 * or 10,000 report files, in a real `slashbuild serve` process (probed-build.ts). Each is run with
 * the reports read (`test_reports`) and, as the reference, the same build with none configured, so
 * the difference is the reading alone. Target: no event-loop block over 50 ms (the slowest
 * /healthz while the build finishes), and memory that does not grow with the report's size.
 * The 50 MB report is also read on a rebuild of its commit, where every passed test asks the store
 * whether it failed there before (the flaky question, one index seek each).
 */
export const SIZE_MB = Number(process.env.BENCH_REPORT_MB ?? 50);
const MB = 1024 * 1024;
export const FILES = 10_000;
const DIRS = 100;

/** A 400-character text, each test's captured output; a failure carries it twice. */
const PAD_AWK = `pad = sprintf("%400s", ""); gsub(/ /, "x", pad)`;

function passedLine(i: number): string {
  return `<testcase classname="bench.m${i % 50}" name="test_${i}" time="0.001"><system-out>${"x".repeat(400)}</system-out></testcase>\n`;
}

function failedLine(i: number): string {
  return `<testcase classname="bench.m${i % 50}" name="test_${i}" time="0.001"><failure message="assert ${i} == 0">${"x".repeat(400)}</failure><system-out>${"x".repeat(400)}</system-out></testcase>\n`;
}

/** How many testcases make the report SIZE_MB (1 in 100 failing), and its exact size. */
export function bigReportShape(sizeMb = SIZE_MB): { readonly cases: number; readonly bytes: number } {
  let bytes =
    `<?xml version="1.0"?>\n<testsuites><testsuite name="bench">\n`.length +
    "</testsuite></testsuites>\n".length;
  let cases = 0;
  while (bytes < sizeMb * MB) {
    bytes += (cases % 100 === 0 ? failedLine(cases) : passedLine(cases)).length;
    cases++;
  }
  return { cases, bytes };
}

/** The build's one command: writes the report with awk (as passedLine and failedLine), then fails. */
export function bigReportCommand(cases: number): string {
  const program = [
    `BEGIN { ${PAD_AWK}; f = "reports/junit.xml";`,
    `printf "<?xml version=\\"1.0\\"?>\\n<testsuites><testsuite name=\\"bench\\">\\n" > f;`,
    `for (i = 0; i < n; i++) {`,
    `if (i % 100 == 0) printf "<testcase classname=\\"bench.m%d\\" name=\\"test_%d\\" time=\\"0.001\\"><failure message=\\"assert %d == 0\\">%s</failure><system-out>%s</system-out></testcase>\\n", i % 50, i, i, pad, pad > f;`,
    `else printf "<testcase classname=\\"bench.m%d\\" name=\\"test_%d\\" time=\\"0.001\\"><system-out>%s</system-out></testcase>\\n", i % 50, i, pad > f }`,
    `printf "</testsuite></testsuites>\\n" > f }`,
  ].join(" ");
  return `mkdir -p reports && awk -v n=${cases} '${program}' && exit 1`;
}

/** The build's one command: FILES reports of 10 tests each in DIRS folders, one failure per 10 files. */
export function manyReportsCommand(): string {
  const program = [
    `BEGIN { for (f = 0; f < ${FILES}; f++) { file = sprintf("reports/d%d/r%d.xml", f % ${DIRS}, f);`,
    `printf "<testsuite name=\\"s%d\\">", f > file;`,
    `for (c = 0; c < 10; c++) {`,
    `if (f % 10 == 0 && c == 0) printf "<testcase classname=\\"m%d\\" name=\\"t%d\\"><failure message=\\"boom\\">trace</failure></testcase>", f, c > file;`,
    `else printf "<testcase classname=\\"m%d\\" name=\\"t%d\\"/>", f, c > file }`,
    `printf "</testsuite>\\n" > file; close(file) } }`,
  ].join(" ");
  return `mkdir -p $(seq -f 'reports/d%g' 0 ${DIRS - 1}) && awk '${program}' && exit 1`;
}

export const testReports: Benchmark = {
  name: `Test reports: a ${SIZE_MB} MB JUnit report and ${FILES.toLocaleString("en")} report files, read vs not, in a real process`,
  unavailable: () => null,
  async run() {
    const big = bigReportShape();
    const bigCommand = bigReportCommand(big.cases);
    const many = manyReportsCommand();
    const reports = (globs: string[]) => ({ test_reports: globs });
    const bigRef = await probeBuild({ repo: { commands: [bigCommand] } });
    const bigRead = await probeBuild({ repo: { commands: [bigCommand], ...reports(["reports/*.xml"]) } });
    const bigRerun = await probeBuild({
      repo: { commands: [bigCommand], ...reports(["reports/*.xml"]) },
      builds: 2,
    });
    const manyRef = await probeBuild({ repo: { commands: [many] } });
    const manyRead = await probeBuild({ repo: { commands: [many], ...reports(["reports/**/*.xml"]) } });
    const runs: [string, ProbedRun][] = [
      [`${SIZE_MB} MB report, not read (reference)`, bigRef],
      [`${SIZE_MB} MB report, read`, bigRead],
      [`${SIZE_MB} MB report, read on a rebuild of its commit (flaky lookups)`, bigRerun],
      [`${FILES} report files, not read (reference)`, manyRef],
      [`${FILES} report files, read`, manyRead],
    ];
    const peak = (r: ProbedRun) => (r.peakRss - r.baseRss) / MB;
    return {
      table: [
        [
          "build (its one step writes the reports, then fails)",
          "RSS growth, peak (MB)",
          "RSS growth after finish post (MB)",
          "slowest /healthz while it ran (ms)",
          "/build to finish post (s)",
        ],
        ...runs.map(([name, r]) => [
          name,
          fmt(peak(r)),
          fmt((r.afterRss - r.baseRss) / MB),
          fmt(r.maxHealthMs),
          fmt(r.buildMs / 1000),
        ]),
      ],
      verdicts: [
        `event loop (target: no block over 50 ms): slowest /healthz ${fmt(bigRead.maxHealthMs)} ms reading ${SIZE_MB} MB, ${fmt(bigRerun.maxHealthMs)} ms with the flaky lookups, ${fmt(manyRead.maxHealthMs)} ms reading ${FILES} files (references: ${fmt(bigRef.maxHealthMs)} and ${fmt(manyRef.maxHealthMs)} ms)`,
        `memory independent of the report's size (target): peak RSS ${fmt(peak(bigRead) - peak(bigRef))} MB above the reference for ${SIZE_MB} MB (${fmt(peak(bigRerun) - peak(bigRef))} MB on the rebuild), ${fmt(peak(manyRead) - peak(manyRef))} MB for ${FILES} files`,
        `cost of reading: ${fmt((bigRead.buildMs - bigRef.buildMs) / 1000)} s more to the finish post for ${SIZE_MB} MB, ${fmt((manyRead.buildMs - manyRef.buildMs) / 1000)} s for ${FILES} files`,
      ],
      notes: [
        `the ${SIZE_MB} MB report is ${big.bytes} bytes: ${big.cases} testcases with 400 characters of output each, 1 in 100 failing (${Math.ceil(big.cases / 100)} failures, of which runner.test_reports.max_failures = 50 are kept); the rebuild's run is the second build of the same commit, where every passed test is looked up`,
        `the ${FILES} files are in ${DIRS} folders (glob reports/**/*.xml), 10 testcases each, 1 failing in every 10th file`,
      ],
    };
  },
};
