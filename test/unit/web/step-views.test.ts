import { describe, expect, it } from "vitest";
import type { Step } from "../../../src/core/build.js";
import type { LogWindow } from "../../../src/web/log/log-window.js";
import { logRows, renderStepSection, stepIsOpen } from "../../../src/web/step-views.js";
import { makeBuild } from "../../fakes/make-build.js";

function step(index: number, status: Step["status"]): Step {
  return { index, name: `step ${index}`, status, exitCode: null, startedAt: 1, finishedAt: null };
}

function win(lines: string[], times: number[] | null = null): LogWindow {
  return {
    step: 0,
    start: 0,
    end: 100,
    firstLine: 7,
    lines,
    offsets: lines.map((_, i) => i * 10),
    partial: false,
    size: 100,
    times,
  };
}

const html = (value: { value: string }) => value.value;

describe("step sections", () => {
  it("open what needs attention and fold what passed or never ran", () => {
    const open = (["running", "failed", "timed_out", "cancelled"] as const).map((s) =>
      stepIsOpen(step(0, s)),
    );
    const folded = (["succeeded", "pending", "skipped"] as const).map((s) => stepIsOpen(step(0, s)));
    expect(open).toEqual([true, true, true, true]);
    expect(folded).toEqual([false, false, false]);
  });

  it("render a folded step that has output without its log, for the script to load when opened", () => {
    const build = makeBuild({ steps: [step(0, "succeeded"), step(1, "failed"), step(2, "skipped")] });
    const passed = html(renderStepSection(build, 0));
    expect(passed).toMatch(/<details class="step" id="step-1" [^>]*data-lazy="1">/);
    expect(passed).not.toMatch(/<details[^>]* open>/);
    expect(passed).toContain('href="/builds/12/steps/1/raw">raw log</a>');
    const failed = html(renderStepSection(build, 1, { window: win(["boom"]) }));
    expect(failed).toMatch(/<details class="step" id="step-2" [^>]*data-lazy="0" open>/);
    // Nothing to load for a step that never ran: it says why it has no output (main's wording).
    expect(html(renderStepSection(build, 2))).toMatch(
      /data-lazy="0">[\s\S]*Skipped: the build ended before this step\./,
    );
  });
});

describe("log rows", () => {
  it("mark error-looking lines as they are rendered, but not faint ones nor '0 errors' summaries", () => {
    const rows = logRows(
      win(["compiling", "src/a.c:3: error: x", "\x1b[2m argv: ['sh', '-c', 'fail']\x1b[22m", "0 errors"]),
    ).map(html);
    expect(rows.map((row) => /class="ln( err)?"/.exec(row)?.[1] ?? "")).toEqual(["", " err", "", ""]);
    expect(rows[1]).toContain('id="L1-8"');
  });

  it("carry the time a line arrived where it changes, and none for logs without times", () => {
    const rows = logRows(win(["a", "b", "c"], [1_700_000_000_123, 0, 1_700_000_001_000])).map(html);
    expect(rows.map((row) => /data-t="(\d+)"/.exec(row)?.[1] ?? null)).toEqual([
      "1700000000123",
      null,
      "1700000001000",
    ]);
    expect(logRows(win(["a"])).map(html)[0]).not.toContain("data-t");
  });

  it("highlight the line asked for", () => {
    const rows = logRows(win(["a", "b"]), 8).map(html);
    expect(rows[1]).toMatch(/^<div class="ln hl" id="L1-8"/);
    expect(rows[0]).not.toContain("hl");
  });
});
