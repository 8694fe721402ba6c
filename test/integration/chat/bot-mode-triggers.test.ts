import { afterEach, describe, expect, it, vi } from "vitest";
import { sendWebhook } from "../../fakes/fake-forge.js";
import { SteppedClock } from "../../fakes/stepped-clock.js";
import { FULL_NAME, githubPull, githubPush, SECRET } from "../forges/forge-app.js";
import { type BotApp, startBotApp, TOWN_SQUARE } from "./bot-app.js";

/**
 * Bot mode (one root post per build, patched as it goes, and a thread reply at the finish) says
 * what started a build nobody typed: for a push the pusher, its commits and the compare link; for a
 * pull request its number, title and link; for a schedule its name.
 */

let env: BotApp | null = null;

afterEach(async () => {
  await env?.close();
  env = null;
});

const WAIT = { timeout: 30_000, interval: 50 };

/** Everything the build's root post showed (every version) and its thread replies, as text. */
async function rootPostText(app: BotApp, buildId: number): Promise<string> {
  return vi.waitFor(() => {
    const root = app.rest
      .roots(TOWN_SQUARE)
      .find((post) => JSON.stringify(post).includes(`/builds/${buildId}`));
    const build = app.app.service.findBuild(buildId);
    if (!root || !build || build.finishedAt === null) throw new Error("root post or finish not there yet");
    if (app.app.outbox.pendingCount() > 0) throw new Error("posts still pending");
    return JSON.stringify([root, app.rest.replies(root.id)]);
  }, WAIT);
}

describe("bot mode: the trigger in the build's post", () => {
  it("push: pusher, commits (short sha, first line, author), compare link; pull request: number, title, link; schedule: its name", async () => {
    const time = new SteppedClock(Date.UTC(2026, 0, 10, 2, 59));
    env = await startBotApp(
      {
        full_name: FULL_NAME,
        notify_channel: "town-square",
        on: {
          push: ["main"],
          pull_request: true,
          schedule: [{ cron: "0 3 * * *", branch: "main", timezone: "UTC", name: "nightly-main" }],
        },
      },
      { forges: { github: { webhook_secret: SECRET } } },
      { clock: time.clock, sleep: time.sleep },
    );
    const app = env;
    await time.asleep();

    const pushed = await app.repo.commit({ message: "Make it faster\n\nLonger explanation." });
    const push = await sendWebhook(
      `${app.url}/hooks/github`,
      "github",
      "push",
      githubPush("main", pushed),
      SECRET,
    );
    const pushText = await rootPostText(app, (push.body.builds as number[])[0] as number);
    expect(pushText).toContain("Pushed by carol-gh");
    expect(pushText).toContain(`\`${pushed.slice(0, 7)}\` Make it faster (Carol)`);
    expect(pushText).not.toContain("Longer explanation");
    expect(pushText).toContain(
      `([compare](https://github.com/${FULL_NAME}/compare/aaaaaaa...${pushed.slice(0, 7)}))`,
    );

    const head = await app.repo.commit({ branch: "feature", message: "Add caching" });
    await app.repo.git("update-ref", "refs/pull/5/head", head);
    await app.repo.git("checkout", "--quiet", "main");
    const pull = await sendWebhook(
      `${app.url}/hooks/github`,
      "github",
      "pull_request",
      githubPull(5, head, false),
      SECRET,
    );
    const pullText = await rootPostText(app, (pull.body.builds as number[])[0] as number);
    expect(pullText).toContain(
      `Pull request [#5 Add caching](https://github.com/${FULL_NAME}/pull/5) by Codertocat`,
    );

    await time.pass();
    const scheduled = await vi.waitFor(() => {
      const build = app.app.service.listBuilds().find((b) => b.trigger?.kind === "schedule");
      if (!build) throw new Error("no scheduled build yet");
      return build;
    }, WAIT);
    const scheduleText = await rootPostText(app, scheduled.id);
    expect(scheduleText).toContain("Schedule nightly-main");
    expect(scheduleText).not.toContain("Pushed by");
  });
});
