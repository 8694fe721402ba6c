import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { formatBuildFinished } from "../../../src/chat/mattermost/format-build-message.js";
import { createConsoleTransport, plainMarkdown } from "../../../src/notify/console-transport.js";
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

describe("the console on a terminal", () => {
  it("shows a post's links, bold and code as plain text, as a person reads it between log lines", async () => {
    const out = Object.assign(new PassThrough(), { isTTY: true });
    let printed = "";
    out.on("data", (chunk: Buffer) => {
      printed += chunk.toString();
    });
    const payload = formatBuildFinished(
      makeBuild({ status: "failed", failingStep: "make test", finishedAt: 1_020_000 }),
      { publicUrl: "http://ci", channel: "ops" },
    );
    await createConsoleTransport(out).send(payload);
    expect(printed).toContain(
      "[chat ops] Build #12 (http://ci/builds/12) of app (branch main at 0123456789)",
    );
    expect(printed).not.toMatch(/\*\*|`|\]\(/);
  });

  it("plainMarkdown keeps what is not Markdown as it is", () => {
    expect(plainMarkdown("a * b, [not a link], code ``` fence")).toBe("a * b, [not a link], code ``` fence");
  });
});
