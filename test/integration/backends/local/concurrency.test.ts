import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Harness } from "./harness.js";

/**
 * Each build records when its command started and ended (timestamps written by the command
 * itself) and holds its slot until the test creates $OUT/go. Overlap is computed from those
 * timestamps, never from the test's own clock.
 */
const GATED = [
  'f="$OUT/t-$SLASHBUILD_REPO-$SLASHBUILD_BUILD_ID"',
  'echo "start $(date +%s%N)" > "$f.tmp"; mv "$f.tmp" "$f"',
  'while [ ! -f "$OUT/go" ]; do sleep 0.05; done',
  'echo "end $(date +%s%N)" >> "$f"',
].join("; ");

interface Interval {
  readonly repo: string;
  readonly start: bigint;
  readonly end: bigint;
}

async function intervals(out: string): Promise<Interval[]> {
  const result: Interval[] = [];
  for (const name of (await readdir(out)).filter((n) => n.startsWith("t-") && !n.endsWith(".tmp"))) {
    const text = await readFile(path.join(out, name), "utf8");
    const start = /start (\d+)/.exec(text)?.[1];
    const end = /end (\d+)/.exec(text)?.[1];
    if (!start || !end) throw new Error(`incomplete timestamps in ${name}: ${text}`);
    result.push({ repo: name.split("-")[1] ?? "", start: BigInt(start), end: BigInt(end) });
  }
  return result;
}

/** The most intervals that were open at the same moment. */
function maxOverlap(list: readonly Interval[]): number {
  const edges = list.flatMap((i) => [
    { at: i.start, delta: 1 },
    { at: i.end, delta: -1 },
  ]);
  edges.sort((a, b) => (a.at === b.at ? a.delta - b.delta : a.at < b.at ? -1 : 1));
  let open = 0;
  let max = 0;
  for (const edge of edges) {
    open += edge.delta;
    max = Math.max(max, open);
  }
  return max;
}

async function waitForStarted(h: Harness, count: number): Promise<void> {
  while ((await readdir(h.out)).filter((n) => n.startsWith("t-") && !n.endsWith(".tmp")).length < count) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Gives a build that would wrongly start the time to do so before the gate opens. A pause can only
 * make a broken limit easier to see; it never makes a correct run fail.
 */
function pause(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 1000));
}

describe("LocalBackend concurrency (real processes)", () => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  it("never runs more builds at once than runner.concurrency", async () => {
    h = await Harness.create({
      runnerConcurrency: 2,
      repos: { a: { commands: [GATED] }, b: { commands: [GATED] }, c: { commands: [GATED] } },
    });
    const builds = [await h.start("a"), await h.start("b"), await h.start("c")];
    await waitForStarted(h, 2);
    await pause();
    await writeFile(path.join(h.out, "go"), "");
    for (const build of builds) expect((await h.events.finished(build.id)).status).toBe("succeeded");

    const recorded = await intervals(h.out);
    expect(recorded).toHaveLength(3);
    expect(maxOverlap(recorded)).toBe(2);
    // FIFO: the third build started only after one of the first two ended.
    const third = recorded.find((i) => i.repo === "c");
    expect(recorded.some((i) => i.repo !== "c" && third && i.end <= third.start)).toBe(true);
  });

  it("runs one build per repo by default, repo.concurrency when set, and other repos alongside", async () => {
    h = await Harness.create({
      runnerConcurrency: 10,
      repos: { x: { commands: [GATED] }, y: { commands: [GATED], concurrency: 2 } },
    });
    const builds = [
      await h.start("x"),
      await h.start("x"),
      await h.start("y"),
      await h.start("y"),
      await h.start("y"),
    ];
    // x#1, y#3 and y#4 can all run; x#2 and y#5 must wait.
    await waitForStarted(h, 3);
    await pause();
    await writeFile(path.join(h.out, "go"), "");
    for (const build of builds) expect((await h.events.finished(build.id)).status).toBe("succeeded");

    const recorded = await intervals(h.out);
    expect(recorded).toHaveLength(5);
    expect(maxOverlap(recorded.filter((i) => i.repo === "x"))).toBe(1);
    expect(maxOverlap(recorded.filter((i) => i.repo === "y"))).toBe(2);
    expect(maxOverlap(recorded)).toBe(3);
  });
});
