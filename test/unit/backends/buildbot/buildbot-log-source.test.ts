import { describe, expect, it } from "vitest";
import { readable } from "../../../../src/backends/buildbot/buildbot-log-source.js";

describe("a Buildbot log as the pages read it", () => {
  it("drops a stream log's stream marks and prints Buildbot's header faint", () => {
    const content = "hmake\nh using PTY: False\nobuilding\neerror: x\nhprogram finished with exit code 2\n";
    expect(readable(content, "s")).toBe(
      "\x1b[2mmake\x1b[22m\n\x1b[2m using PTY: False\x1b[22m\nbuilding\nerror: x\n\x1b[2mprogram finished with exit code 2\x1b[22m\n",
    );
  });

  it("splits at newlines only: a progress bar's carriage returns stay in its line", () => {
    expect(readable("o10%\r50%\r100%\nhdone\n", "s")).toBe("10%\r50%\r100%\n\x1b[2mdone\x1b[22m\n");
  });

  it("leaves other kinds of log as they are", () => {
    expect(readable("hello\n", "t")).toBe("hello\n");
  });
});
