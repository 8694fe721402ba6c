import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "../../helpers/service-process.js";
import { WebApp } from "../../helpers/web-app.js";

/** The SSE log stream through server.inject: resumption by Last-Event-ID, order, completeness. */

let web: WebApp | null = null;
afterEach(async () => {
  await web?.close();
  web = null;
});

interface LogEvent {
  id: string;
  s: number;
  o: number;
  e: number;
  html: string[];
}

function parseEvents(body: string): { logs: LogEvent[]; names: string[] } {
  const logs: LogEvent[] = [];
  const names: string[] = [];
  for (const block of body.split("\n\n")) {
    const event = /^event: (\w+)$/m.exec(block)?.[1];
    if (!event) continue;
    names.push(event);
    if (event !== "log") continue;
    const id = /^id: (.+)$/m.exec(block)?.[1] ?? "";
    logs.push({ id, ...JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? "{}") });
  }
  return { logs, names };
}

async function events(id: number, headers: Record<string, string> = {}, from?: string) {
  const response = await web?.app.server.inject({
    url: `/builds/${id}/events${from ? `?from=${from}` : ""}`,
    headers,
  });
  expect(response?.headers["content-type"]).toBe("text/event-stream; charset=utf-8");
  return parseEvents(response?.body ?? "");
}

async function fileLines(id: number, step: number): Promise<string[]> {
  return (await readFile(web?.logPath(id, step) ?? "", "utf8")).split("\n").slice(0, -1);
}

describe("live log stream", () => {
  it("sends every line of every step in order, each event id naming where it ends, then `end`", async () => {
    web = await WebApp.start({ commands: ["seq 1 30000", "echo second step", "true"] });
    const build = await web.requestBuild();
    await web.waitForStatus(build.id, (b) => b.status === "succeeded");
    const { logs, names } = await events(build.id);
    expect(names[0]).toBe("build");
    expect(names.at(-1)).toBe("end");
    const step1 = logs.filter((l) => l.s === 1);
    expect(step1.length).toBeGreaterThan(1); // a 170 KB log comes in several windows
    step1.forEach((event, i) => {
      expect(event.id).toBe(`1:${event.e}`);
      if (i > 0) expect(event.o).toBe(step1[i - 1]?.e);
    });
    expect(step1.flatMap((l) => l.html)).toEqual(await fileLines(build.id, 0));
    expect(logs.filter((l) => l.s === 2).flatMap((l) => l.html)).toEqual(["second step"]);
  });

  it("resumes exactly after the Last-Event-ID, with no gap and no repeat", async () => {
    web = await WebApp.start({ commands: ["seq 1 30000", "echo second step"] });
    const build = await web.requestBuild();
    await web.waitForStatus(build.id, (b) => b.status === "succeeded");
    const all = (await events(build.id)).logs;
    const cut = all[1] as LogEvent;

    // Last-Event-ID wins over the page's starting point (`from`), as EventSource sends it on reconnect.
    const resumed = (await events(build.id, { "last-event-id": cut.id }, "1:0")).logs;
    expect(resumed[0]?.o).toBe(cut.e);
    const joined = [...all.slice(0, 2), ...resumed].flatMap((l) => l.html);
    expect(joined).toEqual([...(await fileLines(build.id, 0)), "second step"]);

    // From the end of step 1, the next thing is step 2.
    const size = (await readFile(web.logPath(build.id, 0))).length;
    const next = (await events(build.id, { "last-event-id": `1:${size}` })).logs;
    expect(next.map((l) => [l.s, l.o, l.html])).toEqual([[2, 0, ["second step"]]]);

    // A nonsense id falls back to the start the page asked for.
    const fallback = (await events(build.id, { "last-event-id": "garbage" }, "2:0")).logs;
    expect(fallback.map((l) => l.s)).toEqual([2]);
  });

  it("streams a running step live, and ends when the build does", async () => {
    web = await WebApp.start({
      commands: [`echo ready; while [ ! -f "$GATE/go" ]; do sleep 0.05; done; echo done`],
    });
    const build = await web.requestBuild();
    await waitFor("output", async () =>
      (await readFile(web?.logPath(build.id, 0) ?? "", "utf8").catch(() => "")).includes("ready"),
    );
    const response = await fetch(`${web.url}/builds/${build.id}/events?from=1:0`);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let body = "";
    await waitFor("the first line", async () => {
      body += decoder.decode((await reader.read()).value);
      return body.includes('"ready"');
    });
    expect(body).not.toContain('"done"');
    await writeFile(path.join(web.gate, "go"), "");
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      body += decoder.decode(value);
    }
    const lines = parseEvents(body).logs.flatMap((l) => l.html);
    expect(lines).toEqual(["ready", "done"]);
    expect(parseEvents(body).names.at(-1)).toBe("end");
  });
});
