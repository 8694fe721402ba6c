import { readFile, writeFile } from "node:fs/promises";
import { afterEach, describe, expect, it, vi } from "vitest";
import { deriveActionSecret } from "../../../src/chat/mattermost/action-signature.js";
import { signDeployAction } from "../../../src/chat/mattermost/deploy-action-context.js";
import { outFile, startWebhookDeployApp, TOKEN, type WebhookDeployApp } from "./webhook-deploy-app.js";

/**
 * Deploys in webhook mode through the whole service (issue 20): approval by command only, what a
 * deploy's commands see (its environment, revision, the previous revision, the environment's
 * secrets) and that the secret never reaches a post, the @-mentions of a failed deploy, locks and
 * their announcements, freezes.
 */

const alice = { id: "uid-alice", name: "alice" };
const bob = { id: "uid-bob", name: "bob" };
const root = { id: "uid-root", name: "root" };
const SECRET = "prod-key-0123456789abcdef";

let t: WebhookDeployApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const wait = <T>(fn: () => T) => vi.waitFor(fn, { timeout: 30_000, interval: 25 });

async function greenBuild(app: WebhookDeployApp, id: number): Promise<string> {
  const sha = await app.repo.commit({ message: `change ${id}` });
  await app.slash("app --again", alice);
  await wait(() => expect(app.app.service.getBuild(id)).toMatchObject({ status: "succeeded", sha }));
  return sha;
}

const DEPLOY = [
  'echo "$SLASHBUILD_ENVIRONMENT $SLASHBUILD_REVISION $SLASHBUILD_PREVIOUS_REVISION $PROD_KEY" >> "$OUT/seen"',
  'if [ -e "$OUT/fail" ]; then echo "key $PROD_KEY broke"; exit 3; fi',
];

describe("deploys in webhook mode", () => {
  it("are approved by command; the commands see their environment and secret, never posted; a failure mentions requester and approvers", async () => {
    t = await startWebhookDeployApp({
      commands: DEPLOY,
      environments: { production: { approvals: 1, approvers: ["bob"], secrets: { PROD_KEY: SECRET } } },
    });
    const first = await greenBuild(t, 1);
    expect(await t.slash("deploy app production", alice)).toMatch(
      /waits for 1 approval.*@bob \(or an admin\) can approve it with `\/build approve 2`/,
    );
    await wait(() =>
      expect(t?.posts().join("\n")).toMatch(
        /@bob \(or an admin\): @alice asks for an approval of Deploy \[#2\]/,
      ),
    );
    expect(await t.slash("approve 2", alice)).toMatch(/you asked for deploy #2/);
    expect(await t.slash("approve 2", bob)).toMatch(/You approved deploy \[#2\].*: it deploys now/);
    await wait(() => expect(t?.app.deploys.get(2)?.state).toBe("succeeded"));
    expect(await readFile(outFile(t, "seen"), "utf8")).toBe(`production ${first}  ${SECRET}\n`);

    const second = await greenBuild(t, 3);
    await writeFile(outFile(t, "fail"), "");
    await t.slash("deploy app production", alice);
    // The request lists the commits the deploy adds to what production holds, read from the mirror.
    const request = await wait(() => {
      const post = t?.posts().find((text) => text.includes("Deploy [#4]") && text.includes("Commits since"));
      expect(post).toMatch(/1 commit\\n- `[0-9a-f]{7}` change 3 \(Slashbuild Test\)/);
      return post as string;
    });
    expect(request).toContain(`\`${first.slice(0, 10)}\``);
    await t.slash("approve 4", bob);
    await wait(() => expect(t?.app.deploys.get(4)?.state).toBe("failed"));
    expect((await readFile(outFile(t, "seen"), "utf8")).split("\n")[1]).toBe(
      `production ${second} ${first} ${SECRET}`,
    );
    const failure = await wait(() => {
      const post = t?.posts().find((text) => /Deploy \[#4\].*\*\*failed\*\*/.test(text));
      expect(post).toBeDefined();
      return post as string;
    });
    expect(failure).toMatch(/^@alice @bob Deploy \[#4\]/);
    expect(failure).toContain("production does not hold this revision");
    expect(failure).toContain("key **** broke");
    expect(t.posts().join("\n")).not.toContain(SECRET);
    const envs = await t.slash("envs app", alice);
    expect(envs).toContain(`\`${first.slice(0, 10)}\` by @alice (approved by @bob)`);
    expect(envs).toMatch(/last deploy \[#4\].* \*\*failed\*\*/);
  });

  it("take no clicks: no button is drawn, and a validly signed Approve is refused", async () => {
    t = await startWebhookDeployApp({
      commands: ["true"],
      environments: { production: { approvals: 1, approvers: ["bob"] } },
    });
    await greenBuild(t, 1);
    await t.slash("deploy app production", alice);
    const request = await wait(() => {
      const post = t?.posts().find((text) => text.includes("Deploy [#2]"));
      expect(post).toBeDefined();
      return post as string;
    });
    expect(request).not.toContain('"actions"');
    expect(request).toMatch(/Decide with `\/build approve 2` \/ `\/build reject 2 <reason>`\./);
    const context = signDeployAction(
      deriveActionSecret(null, [TOKEN]),
      "approve",
      2,
      0,
      Date.now() + 3_600_000,
    );
    const click = await fetch(`${t.url}/mattermost/deploy-action`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        user_id: bob.id,
        user_name: "bob",
        channel_id: "chan-ci",
        channel_name: "ci",
        post_id: "p",
        context,
      }),
    });
    expect(click.status).toBe(403);
    expect(await click.json()).toMatchObject({ error: "ACTION_USER_UNKNOWN" });
    expect(t.app.deploys.get(2)?.state).toBe("awaiting_approval");
  });

  it("a lock refuses others until its holder unlocks or an admin breaks it (announced); a freeze refuses", async () => {
    t = await startWebhookDeployApp({
      commands: ["true"],
      environments: { staging: {}, frozen: { freeze: ["* * * * *"] } },
    });
    await greenBuild(t, 1);
    expect(await t.slash("lock app staging schema migration", bob)).toMatch(/Locked staging of app until/);
    await wait(() =>
      expect(t?.posts().join("\n")).toMatch(
        /:lock: bob locked \*\*staging\*\* of \*\*app\*\* \(schema migration\)/,
      ),
    );
    expect(await t.slash("deploy app staging", alice)).toMatch(
      /staging is locked by @bob since .* UTC: schema migration/,
    );
    expect(await t.slash("unlock app staging", alice)).toMatch(/only they or an admin can unlock it/);
    expect(await t.slash("unlock app staging", root)).toMatch(/You broke @bob's lock/);
    await wait(() =>
      expect(t?.posts().join("\n")).toMatch(/root \(an admin\) broke @bob's lock on \*\*staging\*\*/),
    );
    expect(await t.slash("deploy app staging", alice)).toMatch(
      /Deploying .* to \*\*staging\*\* now, as deploy \[#2\]/,
    );
    expect(await t.slash("deploy app frozen", alice)).toMatch(
      /frozen is frozen \(freeze `\* \* \* \* \*`\); deploy after it, or an admin may add --force/,
    );
    expect(await t.slash("deploy app frozen --force", alice)).toMatch(/`--force` is for admins/);
    expect(await t.slash("deploy app frozen --force", root)).toMatch(
      /Deploying .* to \*\*frozen\*\* now, as deploy \[#3\]\(.*\)\. Forced past the freeze \* \* \* \* \*; this is recorded and said in the channel\./,
    );
    await wait(() =>
      expect(t?.posts().join("\n")).toMatch(
        /\*\*Forced\*\* by @root past the freeze \\\* \\\* \\\* \\\* \\\*\./,
      ),
    );
    expect(await t.slash("history app frozen", alice)).toMatch(
      /\[#3\].* by @root, \*\*forced\*\* past the freeze/,
    );
    const history = await t.slash("history app staging", alice);
    expect(history).toMatch(/@root broke @bob's lock: `schema migration`/);
    expect(history).toMatch(/@bob locked it: `schema migration`/);
    expect(history).toMatch(/\[#2\].* by @alice: \*\*(deploying|succeeded)\*\*/);
  });
});
