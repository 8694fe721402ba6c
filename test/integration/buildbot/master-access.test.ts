import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BuildbotConfigInput } from "../../../src/config/buildbot-schema.js";
import type { Build } from "../../../src/core/build.js";
import { requestNew } from "../../fakes/request-new.js";
import { describeWithBuildbot } from "../../helpers/buildbot-harness.js";
import { type BuildbotMaster, startBuildbotMaster } from "../../helpers/buildbot-master.js";
import { type WiredService, waitFor } from "../../helpers/buildbot-service.js";
import { listeningAddresses } from "../../helpers/listening-addresses.js";

/**
 * Issue 18: the master `slashbuild buildbot-config` wrote served every build, step, property and
 * log to anyone who reached it (`GET /api/v2/logs/N/raw`), on every interface, while slashbuild
 * refuses the same log to anyone not signed in. The attack is an anonymous read; it runs against a
 * real master with the generated master.cfg, and with the same file with its defences taken out
 * (what buildbot-config generated before), where it succeeds. slashbuild's own user still forces
 * builds and reads them in both.
 */

const MARKER = "a-line-only-signed-in-readers-should-see";

/** The generated master.cfg with this defences taken out: the file as it was generated before. */
function withoutDefences(cfg: string): string {
  const edits: [RegExp | string, string][] = [
    // Reads open to anyone; only control needed slashbuild's role.
    [
      'util.AnyEndpointMatcher(role="slashbuild", defaultDeny=True)',
      'util.AnyControlEndpointMatcher(role="slashbuild")',
    ],
    // The www port on every interface.
    [/"port": "tcp:(\d+):interface=127\.0\.0\.1"/, '"port": $1'],
    // Buildbot's event streams left as Buildbot serves them.
    [/\n# Buildbot streams its message queue[\s\S]*?_www_service\.WWWService\.setupSite\)\n/, "\n"],
  ];
  let edited = cfg;
  for (const [from, to] of edits) {
    const next = edited.replace(from, to);
    if (next === edited) throw new Error(`master.cfg no longer contains ${String(from)}: update this test`);
    edited = next;
  }
  return edited;
}

const variants = [
  {
    name: "the generated master.cfg",
    defended: true,
    settings: { worker_interface: "127.0.0.1" } satisfies Partial<BuildbotConfigInput>,
    edit: (cfg: string) => cfg,
  },
  {
    name: "the same master.cfg with the defences taken out (as generated before)",
    defended: false,
    settings: {},
    edit: withoutDefences,
  },
];

const alice = { id: "uid-alice", name: "alice" };
const ci = { id: "chan-ci", name: "ci" };

describeWithBuildbot("who can read a Buildbot master slashbuild generated (real master)", () => {
  describe.each(variants)("$name", ({ defended, settings, edit }) => {
    let master: BuildbotMaster;
    let wired: WiredService;
    let build: Build;
    let bbBuildId: number;
    let logId: number;

    beforeAll(async () => {
      master = await startBuildbotMaster({
        secret: "access-status-secret-0123",
        repos: { app: { commands: [`echo ${MARKER}`] } },
        settings: { follow_interval: "300ms", ...settings },
        edit,
      });
      wired = master.wire();
    }, 120_000);

    afterAll(async () => {
      await master?.close();
    });

    it("slashbuild's own user forces a build and reads it, its steps and its log", async () => {
      const requested = await requestNew(wired.service, {
        repo: "app",
        branch: null,
        revision: null,
        user: alice,
        channel: ci,
      });
      build = await waitFor(
        `#${requested.id} finished`,
        () => wired.notifier.of(requested.id, "finished")[0],
      );
      expect(build.status).toBe("succeeded");
      bbBuildId = Number((build.external as { buildid?: unknown }).buildid);
      const { client } = wired.backend;
      const steps = await client.steps(bbBuildId);
      const step = steps.find((s) => s.name === `echo ${MARKER}`);
      const logs = await client.logs(step?.stepid ?? -1);
      logId = logs[0]?.logid ?? -1;
      expect(await client.logContent(logId)).toContain(MARKER);
    }, 120_000);

    it(`an anonymous GET of the log and of the build is ${defended ? "refused (403)" : "answered (200)"}`, async () => {
      const url = master.harness.url;
      const log = await fetch(`${url}/api/v2/logs/${logId}/raw`);
      const logText = await log.text();
      const one = await fetch(`${url}/api/v2/builds/${bbBuildId}?property=*`);
      const oneText = await one.text();
      const list = await fetch(`${url}/api/v2/builds`);
      await list.body?.cancel();
      if (defended) {
        expect([log.status, one.status, list.status]).toEqual([403, 403, 403]);
        expect(logText).not.toContain(MARKER);
        expect(oneText).toContain("you need to have role 'slashbuild'");
      } else {
        expect([log.status, one.status, list.status]).toEqual([200, 200, 200]);
        expect(logText).toContain(MARKER);
        // Who asked for it, and every other property.
        expect(oneText).toContain('"slashbuild_user"');
        expect(oneText).toContain("alice");
      }
    });

    it(`Buildbot's event streams (/sse, /ws) are ${defended ? "closed" : "open to anyone"}`, async () => {
      const url = master.harness.url;
      const ws = await fetch(`${url}/ws`);
      await ws.body?.cancel();
      const sse = await fetch(`${url}/sse/listen/builds/*/*`);
      if (defended) {
        await sse.body?.cancel();
        expect([ws.status, sse.status]).toEqual([403, 403]);
        return;
      }
      expect(ws.status).not.toBe(403);
      expect(sse.status).toBe(200);
      // The attack: an anonymous listener sees the next build as it happens.
      const reader = (sse.body as ReadableStream<Uint8Array>).getReader();
      const seen: string[] = [];
      const listening = (async () => {
        for (;;) {
          const chunk = await reader.read();
          if (chunk.done) return;
          seen.push(Buffer.from(chunk.value).toString("utf8"));
        }
      })();
      try {
        const next = await requestNew(wired.service, {
          repo: "app",
          branch: null,
          revision: null,
          user: alice,
          channel: ci,
        });
        // Buildbot writes each message as `event: event` and `data: {"key": [...], "message": {...}}`.
        await waitFor("a build event on the anonymous stream", () =>
          /"key": \["builds", "\d+", "new"\]/.test(seen.join("")),
        );
        await waitFor(`#${next.id} finished`, () => wired.notifier.of(next.id, "finished")[0]);
      } finally {
        await reader.cancel();
        await listening.catch(() => {});
      }
    }, 120_000);

    it(`listens on ${defended ? "127.0.0.1 only" : "every interface"}`, () => {
      const expected = defended ? ["127.0.0.1"] : ["0.0.0.0"];
      expect(listeningAddresses(master.harness.wwwPort)).toEqual(expected);
      expect(listeningAddresses(master.harness.workerPort)).toEqual(expected);
    });
  });
});
