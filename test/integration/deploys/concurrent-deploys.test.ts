import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { afterEach, describe, expect, it, vi } from "vitest";
import { outFile, startWebhookDeployApp, type WebhookDeployApp } from "./webhook-deploy-app.js";

/**
 * Issue 20: 100 concurrent `/build deploy` requests for one environment give exactly one running
 * deploy at a time, and every request a clear answer. The runner could run four at once (runner and
 * repo concurrency 4), so only the deploy queue keeps them apart; each deploy holds a directory
 * while it runs and records an overlap if it finds it taken.
 */

const REQUESTS = 100;
const GREEN = 5;

let t: WebhookDeployApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const wait = <T>(fn: () => T) => vi.waitFor(fn, { timeout: 120_000, interval: 50 });

const HOLD = [
  'if ! mkdir "$OUT/running" 2>/dev/null; then echo "$SLASHBUILD_BUILD_ID" >> "$OUT/overlaps"; fi',
  'echo "$SLASHBUILD_BUILD_ID" >> "$OUT/ran"',
  "sleep 0.3",
  'rmdir "$OUT/running"',
].join("\n");

describe("concurrent deploy requests", () => {
  it("run one at a time per environment, and every request is answered with what happens to it", async () => {
    t = await startWebhookDeployApp(
      { commands: [HOLD], environments: { production: {} } },
      { runner: { concurrency: 4 }, repo: { concurrency: 4 } },
    );
    const app = t;
    for (let id = 1; id <= GREEN; id++) {
      await app.repo.commit({ message: `change ${id}` });
      await app.slash("app --again", { id: "uid-alice", name: "alice" });
      await wait(() => expect(app.app.service.getBuild(id).status).toBe("succeeded"));
    }
    const answers = await Promise.all(
      Array.from({ length: REQUESTS }, (_, i) =>
        app.slash(`deploy app production #${1 + (i % GREEN)}`, { id: `uid-user-${i}`, name: `user${i}` }),
      ),
    );
    const kinds = answers.map((answer) => {
      if (/^Deploying `[0-9a-f]{10}` .* to \*\*production\*\* now, as deploy \[#\d+\]/.test(answer))
        return "deploying";
      if (/^Deploy \[#\d+\]\(.*\) of .* to \*\*production\*\* is queued behind deploy \[#\d+\]/.test(answer))
        return "queued";
      if (
        /^Deploy \[#\d+\]\(.*\) of .* to \*\*production\*\* is already (queued|deploying), so I did not ask again\.$/.test(
          answer,
        )
      )
        return "duplicate";
      return `unclear: ${answer}`;
    });
    expect(kinds.filter((kind) => kind.startsWith("unclear"))).toEqual([]);
    expect(kinds.filter((kind) => kind === "deploying")).toHaveLength(1);

    await wait(() => {
      const [production] = app.app.deploys.reads.environments("app", null);
      expect(production?.deploying).toBeNull();
      expect(production?.waiting).toBeNull();
    });
    expect(existsSync(outFile(app, "overlaps"))).toBe(false);
    const history = app.app.deploys.reads.history("app", "production", null, REQUESTS + 10).deploys;
    const ran = history.filter((deploy) => deploy.state === "succeeded");
    const superseded = history.filter((deploy) => deploy.state === "superseded");
    expect(ran.length + superseded.length).toBe(history.length);
    expect(ran.length).toBeGreaterThanOrEqual(2);
    expect((await readFile(outFile(app, "ran"), "utf8")).trim().split("\n")).toHaveLength(ran.length);
    // As the builds' records say too: no two deploy builds' runs overlap.
    const runs = ran
      .map((deploy) => app.app.service.getBuild(deploy.buildId))
      .sort((a, b) => (a.startedAt ?? 0) - (b.startedAt ?? 0));
    for (let i = 1; i < runs.length; i++) {
      expect(runs[i]?.startedAt ?? 0).toBeGreaterThanOrEqual(
        runs[i - 1]?.finishedAt ?? Number.POSITIVE_INFINITY,
      );
    }
    // Each superseded request's requester is told, in the channel.
    await wait(() => {
      const told = app.posts().filter((post) => /was superseded by \[#\d+\]/.test(post));
      expect(told).toHaveLength(superseded.length);
    });
  });
});
