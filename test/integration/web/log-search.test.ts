import Fastify from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { fileLogStreamSource } from "../../../src/web/log/file-log-stream-source.js";
import type { LogStreamSource } from "../../../src/web/log/log-stream-source.js";
import { webRoutes } from "../../../src/web/web-routes.js";
import { writeNumberedLog } from "../../helpers/numbered-log.js";
import { WebApp } from "../../helpers/web-app.js";

/**
 * Issue 21 item 2: the search box finds text in the whole log, on the server, streamed and bounded
 * per answer, masked like everything else, and bad input is a 400 that says what to send.
 */

let web: WebApp | null = null;

afterEach(async () => {
  await web?.close();
  web = null;
});

interface Answer {
  matches: { step: number; line: number; text: string; hits: [number, number][] }[];
  next: { step: number; from: number; line: number } | null;
}

/** A log of `mb` MB of 64-byte lines, with "NEEDLE" on the lines listed. */
function writeLog(file: string, mb: number, needles: ReadonlySet<number>): Promise<number> {
  return writeNumberedLog(file, mb, (n) => (needles.has(n) ? "NEEDLE" : "hay..."));
}

describe("GET /builds/N/search", () => {
  it("finds text anywhere in a 40 MB log, reading at most 16 MB per answer, with exact line numbers", async () => {
    web = await WebApp.start({ commands: ["echo small"] });
    const build = await web.requestBuild();
    await web.waitForStatus(build.id, (b) => b.status === "succeeded");
    const total = (40 * 1024 * 1024) / 64;
    const needles = new Set([1, 7_777, total / 2, total]);
    await writeLog(web.logPath(build.id, 0), 40, needles);

    let read = 0;
    const files = fileLogStreamSource(web.app.local.logs);
    const counting: LogStreamSource = {
      size: (b, s) => files.size(b, s),
      readRange: (b, s, start, end) =>
        files.readRange(b, s, start, end).on("data", (chunk: Buffer) => {
          read += chunk.length;
        }),
    };
    const server = Fastify();
    await server.register(webRoutes, { service: web.app.service, config: web.app.config, logs: counting });
    try {
      const found: number[] = [];
      let query = "q=needle";
      for (let answers = 1; ; answers++) {
        read = 0;
        const response = await server.inject({ url: `/builds/${build.id}/search?${query}` });
        expect(response.statusCode).toBe(200);
        expect(read).toBeLessThanOrEqual(16 * 1024 * 1024);
        const answer = response.json() as Answer;
        found.push(...answer.matches.map((m) => m.line));
        for (const match of answer.matches) expect(match.text).toMatch(new RegExp(`^0*${match.line} NEEDLE`));
        if (!answer.next) {
          expect(answers).toBe(3);
          break;
        }
        query = `q=needle&step=${answer.next.step}&from=${answer.next.from}&line=${answer.next.line}`;
      }
      expect(found).toEqual([...needles]);
    } finally {
      await server.close();
    }
  });

  for (const declared of [false, true]) {
    it(`a value ${declared ? "declared a secret is never found, nor echoed" : "not declared a secret is found (the search itself hides nothing)"}`, async () => {
      const value = "hunter2-correct-horse";
      web = await WebApp.start({
        commands: ['echo "token is $TOKEN"'],
        repoExtra: declared ? { secrets: { TOKEN: value } } : { env: { TOKEN: value } },
      });
      const build = await web.requestBuild();
      await web.waitForStatus(build.id, (b) => b.status === "succeeded");
      const bySecret = await web.app.server.inject({ url: `/builds/${build.id}/search?q=${value}` });
      const byText = (await web.app.server.inject({ url: `/builds/${build.id}/search?q=token%20is` })).json();
      const found = (bySecret.json() as Answer).matches;
      if (declared) {
        expect(found).toEqual([]);
        expect(bySecret.body).not.toContain(value);
        expect((byText as Answer).matches[0]?.text).toBe("token is ****");
      } else {
        expect(found.map((m) => m.text)).toEqual([`token is ${value}`]);
      }
    });
  }

  it("answers bad input with a 400 that says what to send, never a 5xx", async () => {
    web = await WebApp.start({ commands: ["echo a", "echo b"] });
    const build = await web.requestBuild();
    await web.waitForStatus(build.id, (b) => b.status === "succeeded");
    const at = (query: string) => web?.app.server.inject({ url: `/builds/${build.id}/search${query}` });
    const cases: [string, RegExp][] = [
      ["", /Say what to search for/],
      ["?q=", /Say what to search for/],
      [`?q=${"x".repeat(201)}`, /at most 200 characters/],
      ["?q=a%0Ab", /one line/],
      ["?q=a&q=b", /Say what to search for/],
      ["?q=a&step=0", /steps 1 to 2/],
      ["?q=a&step=3", /steps 1 to 2/],
      ["?q=a&from=-1", /from must be a whole number/],
      ["?q=a&line=1e3", /line must be a whole number/],
    ];
    for (const [query, message] of cases) {
      const response = await at(query);
      expect(response?.statusCode, query).toBe(400);
      expect(response?.json(), query).toMatchObject({
        error: "REQUEST_INVALID",
        message: expect.stringMatching(message),
      });
    }
    // Text that means something to a regular expression is searched for as written.
    expect((await at("?q=(.*"))?.statusCode).toBe(200);
    expect((await web.app.server.inject({ url: "/builds/999/search?q=a" })).statusCode).toBe(404);
  });
});
