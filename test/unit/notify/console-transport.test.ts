import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { formatBuildFinished } from "../../../src/chat/mattermost/format-build-message.js";
import { createConsoleTransport } from "../../../src/notify/console-transport.js";
import { makeBuild } from "../../fakes/make-build.js";

describe("createConsoleTransport", () => {
  it("prints the post readably and always succeeds", async () => {
    const out = new PassThrough();
    let printed = "";
    out.on("data", (chunk: Buffer) => {
      printed += chunk.toString();
    });
    const transport = createConsoleTransport(out);
    const payload = formatBuildFinished(
      makeBuild({ status: "failed", failingStep: "make test", finishedAt: 1_020_000 }),
      { publicUrl: "http://ci", channel: "ops" },
    );
    expect(await transport.send(payload)).toEqual({ kind: "delivered" });
    expect(printed).toContain("[chat ops] Build [#12](http://ci/builds/12)");
    expect(printed).toContain("failed after 10s");
    expect(printed).toContain("  Failing command: make test\n");
    expect(await transport.send("plain")).toEqual({ kind: "delivered" });
    expect(printed).toContain("[chat] plain");
  });
});
