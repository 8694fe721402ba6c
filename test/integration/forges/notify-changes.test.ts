import { afterEach, describe, expect, it, vi } from "vitest";
import { buildFinished } from "../../helpers/build-finished.js";
import { type ForgeApp, githubPush, startForgeApp } from "./forge-app.js";

/**
 * `notify: changes` on pushed builds: the channel hears only a change of verdict on the branch, and
 * that post says who changed it: "Broken by @…" for the push that turned it red, "Fixed by @…" for
 * the one that turned it green, people mapped from commit emails (forges.github.mattermost_users).
 */

let env: ForgeApp | null = null;

afterEach(async () => {
  await env?.close();
  env = null;
});

const WAIT = { timeout: 30_000, interval: 50 };

async function pushAndFinish(app: ForgeApp, state: string, authorEmail: string, pusher: string) {
  const sha = await app.repo.commit({ files: { state: `${state}\n` }, message: `state: ${state}` });
  const answer = await app.hook("github", "push", githubPush("main", sha, { authorEmail, pusher }));
  const id = (answer.body.builds as number[])[0] as number;
  return buildFinished(app.app, id, WAIT);
}

describe("notify: changes on pushed builds", () => {
  it("says Broken by the pusher's mapped authors, then Fixed by the fixers, and nothing for unchanged verdicts", async () => {
    env = await startForgeApp(
      { notify: "changes", commands: ['test "$(cat state)" = ok'] },
      {
        forges: {
          github: {
            webhook_secret: "forge-webhook-secret-0123456789",
            mattermost_users: { "carol@example.com": "carol.mm", "erin@example.com": "erin.mm" },
          },
        },
      },
    );
    const app = env;
    expect((await pushAndFinish(app, "ok", "erin@example.com", "erin-gh")).status).toBe("succeeded");
    expect((await pushAndFinish(app, "broken", "carol@example.com", "carol-gh")).status).toBe("failed");
    expect((await pushAndFinish(app, "still broken", "dave@example.com", "dave-gh")).status).toBe("failed");
    expect((await pushAndFinish(app, "ok", "erin@example.com", "erin-gh")).status).toBe("succeeded");
    expect((await pushAndFinish(app, "ok", "carol@example.com", "carol-gh")).status).toBe("succeeded");

    // All outgoing posts delivered: the outbox is empty.
    await vi.waitFor(() => expect(app.app.outbox.pendingCount()).toBe(0), WAIT);
    const messages = app.mattermost.posts.map((post) => post.message);
    // Two changes of verdict, two posts: the break and the fix.
    expect(messages).toHaveLength(2);
    expect(messages[0]).toContain("failed");
    expect(messages[0]).toContain("Broken by @carol.mm.");
    expect(messages[0]).not.toContain("erin");
    expect(messages[1]).toContain("Fixed by @erin.mm.");
    expect(messages[1]).not.toContain("carol");
  });
});
