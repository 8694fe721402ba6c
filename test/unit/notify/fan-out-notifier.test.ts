import { describe, expect, it } from "vitest";
import type { Build } from "../../../src/core/build.js";
import { fanOutNotifier, type SettlingNotifier } from "../../../src/notify/fan-out-notifier.js";
import { makeBuild } from "../../fakes/make-build.js";

function recorder(name: string, heard: string[], fail = false): SettlingNotifier {
  const note = (what: string) => (build: Build) => {
    heard.push(`${name} ${what} #${build.id}`);
    if (fail) throw new Error(`${name} broke`);
  };
  return {
    buildQueued: note("queued"),
    buildStarted: note("started"),
    buildProgressed: note("progressed"),
    buildFinished: note("finished"),
    settled: async () => {
      heard.push(`${name} settled`);
    },
  };
}

describe("fanOutNotifier", () => {
  it("tells every sink every moment, in order, and settles them all", async () => {
    const heard: string[] = [];
    const both = fanOutNotifier([recorder("chat", heard), recorder("forge", heard)]);
    const build = makeBuild({ id: 3 });
    both.buildQueued(build);
    both.buildProgressed?.(build);
    both.buildFinished(build);
    await both.settled();
    expect(heard).toEqual([
      "chat queued #3",
      "forge queued #3",
      "chat progressed #3",
      "forge progressed #3",
      "chat finished #3",
      "forge finished #3",
      "chat settled",
      "forge settled",
    ]);
  });

  it("still tells the other sinks when one throws, then reports the error", () => {
    const heard: string[] = [];
    const both = fanOutNotifier([recorder("chat", heard, true), recorder("forge", heard)]);
    expect(() => both.buildStarted(makeBuild({ id: 4 }))).toThrow("chat broke");
    expect(heard).toEqual(["chat started #4", "forge started #4"]);
  });
});
