import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, formatLogLine, logDestination } from "../../src/create-logger.js";

function capture(): { stream: Writable; text: () => string } {
  let text = "";
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

describe("createLogger", () => {
  it("masks every known secret in every line, wherever it sits (issue 8, item 4)", () => {
    const out = capture();
    const logger = createLogger("info", ["bot-token-123456", "buildbot-pw-98765"], out.stream as never);
    logger.error(
      { err: new Error("fetch http://slashbuild:buildbot-pw-98765@ci/ failed"), peer: "bot-token-123456" },
      "Mattermost said: bad token bot-token-123456",
    );
    expect(out.text()).toContain("****");
    expect(out.text()).not.toContain("bot-token-123456");
    expect(out.text()).not.toContain("buildbot-pw-98765");
  });

  it("without secrets writes lines unchanged", () => {
    const out = capture();
    createLogger("info", [], out.stream as never).info({ peer: "visible" }, "hello");
    expect(out.text()).toContain('"peer":"visible"');
  });
});

describe("the service log on a terminal", () => {
  it("is one plain line per entry there, JSON lines anywhere else", () => {
    const lines: string[] = [];
    const terminal = { isTTY: true, write: (text: string) => lines.push(text) };
    const logger = createLogger("info", ["s3cret-token-value"], logDestination(terminal));
    logger.warn(
      { repo: "app", err: new Error("no s3cret-token-value here"), note: "two words" },
      "could not fetch",
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^\d\d:\d\d:\d\d WARN {2}could not fetch {2}repo=app err="no \*\*\*\* here" note="two words"\n$/,
    );
    // Piped (journald, a file): pino's own JSON lines, for log collectors.
    const piped = logDestination({ isTTY: false, write: () => 0 }, 2);
    expect(piped).not.toHaveProperty("isTTY");
    expect(typeof (piped as { fd?: unknown }).fd).toBe("number");
  });

  it("prints no escape sequence and no line of its own that a message carries (as the console's posts)", () => {
    const entry = JSON.stringify({
      level: 30,
      time: 0,
      msg: "fetched main\u001b[2J\n[chat] Build [#9] of app succeeded.\u202e",
      branch: "x\u001b]0;t\u0007y",
    });
    const line = formatLogLine(`${entry}\n`);
    expect(line.split("\n")).toHaveLength(2);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
    expect(line).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
    expect(line).toContain("fetched main [2J [chat] Build [#9] of app succeeded.");
  });

  it("formatLogLine leaves a line that is not JSON as it is", () => {
    expect(formatLogLine("plain text\n")).toBe("plain text\n");
  });
});
