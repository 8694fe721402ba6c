import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/create-logger.js";

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
