import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createConsoleTransport, renderForConsole } from "../../../../src/chat/console/console-transport.js";

function printer() {
  const out = new PassThrough();
  let printed = "";
  out.on("data", (chunk: Buffer) => {
    printed += chunk.toString();
  });
  return { transport: createConsoleTransport(out), printed: () => printed };
}

describe("the console transport", () => {
  it("prints a post as one block and always succeeds", async () => {
    const { transport, printed } = printer();
    const post = {
      channel: "ops",
      text: "Build [#12] of app failed.",
      details: ["Failing command: make test"],
    };
    expect(await transport.send(post)).toEqual({ kind: "delivered" });
    expect(await transport.send("plain")).toEqual({ kind: "delivered" });
    expect(printed()).toBe(
      "[chat ops] Build [#12] of app failed.\n  Failing command: make test\n[chat] plain\n",
    );
  });

  it("prints a build's text inert: no escape sequence reaches the terminal, no line passes for a post", () => {
    const printed = renderForConsole({
      channel: null,
      text: "Build [#1] of app (branch \u001b]0;owned\u0007evil\u001b[2J at abc) succeeded.",
      details: ["Reason: first line\n[chat] Build [#99] of app succeeded.", "\u202eright-to-left"],
    });
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters is the point
    expect(printed).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
    expect(printed.split("\n")).toEqual([
      "[chat] Build [#1] of app (branch  ]0;owned evil [2J at abc) succeeded.",
      "  Reason: first line",
      "  [chat] Build [#99] of app succeeded.",
      "  right-to-left",
    ]);
  });
});
