import { afterEach, describe, expect, it, vi } from "vitest";
import type { StatusCall } from "../../fakes/fake-forge.js";
import { sendSlashCommand } from "../../fakes/send-slash-command.js";
import { type ForgeApp, githubPush, startForgeApp } from "./forge-app.js";

/**
 * Deploys on the Git host (issue 20): each deploy is reported on its commit under a context of its
 * own per environment, through the same durable status sink as builds, so the commit's build
 * status stays the build's.
 */

let env: ForgeApp | null = null;
afterEach(async () => {
  await env?.close();
  env = null;
});

const WAIT = { timeout: 30_000, interval: 50 };
const PROD_KEY = "prod-key-0123456789abcdef";
const alice = { id: "uid-alice", name: "alice" };
const bob = { id: "uid-bob", name: "bob" };

async function slash(app: ForgeApp, text: string, user: { id: string; name: string }): Promise<string> {
  const outcome = await sendSlashCommand({
    url: `${app.url}/mattermost/command`,
    token: "slash-token-0123456789",
    text,
    user,
    channel: { id: "chan-ci", name: "ci" },
  });
  if (!outcome.ok) throw new Error(`slash command failed: ${outcome.error}`);
  return String(outcome.response.text);
}

const under = (app: ForgeApp, context: string): StatusCall[] =>
  app.forge.accepted().filter((call) => call.body.context === context);

describe("deploy statuses on the Git host", () => {
  it("each environment has its own context: an auto deploy's pending then success, a rejected request's error (masked)", async () => {
    env = await startForgeApp({
      deploy: {
        commands: ["true"],
        environments: {
          staging: { branches: ["main"], auto: true },
          production: {
            branches: ["main"],
            approvals: 1,
            approvers: ["bob"],
            secrets: { PROD_KEY },
          },
        },
      },
    });
    const app = env;
    const sha = await app.repo.commit();
    const pushed = (await app.hook("github", "push", githubPush("main", sha))).body.builds as number[];
    expect(pushed).toEqual([1]);

    // The green build turns into an auto deploy to staging (#2), reported under its own context.
    await vi.waitFor(() => expect(app.app.deploys.get(2)?.state).toBe("succeeded"), WAIT);
    await vi.waitFor(() => expect(under(app, "ci/slashbuild/deploy/staging")).toHaveLength(2), WAIT);
    expect(under(app, "ci/slashbuild/deploy/staging").map((call) => [call.sha, call.body.state])).toEqual([
      [sha, "pending"],
      [sha, "success"],
    ]);
    expect(under(app, "ci/slashbuild/deploy/staging")[1]?.body).toMatchObject({
      target_url: `${app.url}/builds/2`,
      description: expect.stringMatching(/^Deploy #2 to staging succeeded in /),
    });
    // The build's own status is the build's: the deploy never overwrote it.
    expect(under(app, "ci/slashbuild").map((call) => call.body.state)).toEqual(["pending", "success"]);

    // A request waiting for approval is pending on the commit; rejected, it ends in error, and
    // whatever the reason said of an environment's secret is masked there as in chat.
    expect(await slash(app, "deploy app production", alice)).toMatch(/waits for 1 approval/);
    await vi.waitFor(() => expect(under(app, "ci/slashbuild/deploy/production")).toHaveLength(1), WAIT);
    expect(under(app, "ci/slashbuild/deploy/production")[0]?.body).toMatchObject({
      state: "pending",
      description: "Deploy #3 to production waiting",
    });
    expect(await slash(app, `reject 3 not with ${PROD_KEY}`, bob)).toMatch(/rejected/i);
    await vi.waitFor(() => expect(under(app, "ci/slashbuild/deploy/production")).toHaveLength(2), WAIT);
    const rejected = under(app, "ci/slashbuild/deploy/production")[1];
    expect(rejected?.sha).toBe(sha);
    expect(rejected?.body.state).toBe("error");
    expect(rejected?.body.description).toMatch(/^Deploy #3 to production cancelled: rejected by @bob/);
    expect(JSON.stringify(app.forge.accepted())).not.toContain(PROD_KEY);
  });
});
