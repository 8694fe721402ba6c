import { afterEach, describe, expect, it, vi } from "vitest";
import type { Build } from "../../../src/core/build.js";
import { buildFinished } from "../../helpers/build-finished.js";
import { type ForgeApp, FULL_NAME, githubPush, startForgeApp } from "./forge-app.js";

/**
 * A push of a tag (`on.tags`), end to end: the signed webhook, a build of the commit the tag
 * names, the chat posts and the commit statuses on that commit. The tag is annotated, as release
 * tags are: GitHub's `after` is then the tag object's id, not a commit (only head_commit names the
 * commit), and a status sent to the tag object is refused by GitHub (422 "No commit found").
 */

let env: ForgeApp | null = null;

afterEach(async () => {
  await env?.close();
  env = null;
});

const WAIT = { timeout: 30_000, interval: 50 };

/** GitHub's push of a newly created tag: no commits listed, head_commit = the tagged commit. */
function githubTagPush(tag: string, tagObject: string, commit: string): Record<string, unknown> {
  const push = githubPush("main", commit, { message: "Release 1.2.0\n\nNotes." });
  return {
    ...push,
    ref: `refs/tags/${tag}`,
    before: "0".repeat(40),
    after: tagObject,
    created: true,
    base_ref: "refs/heads/main",
    compare: `https://github.com/${FULL_NAME}/compare/${tag}`,
    commits: [],
  };
}

describe("tag push → build of the tagged commit → chat → commit statuses", () => {
  it("an annotated tag builds the commit it names; statuses go to that commit; chat says a tag was pushed", async () => {
    env = await startForgeApp({ on: { push: ["main"], tags: ["v*"] } });
    const tagged = await env.repo.commit({ message: "Release 1.2.0\n\nNotes." });
    await env.repo.git("tag", "-a", "-m", "Release 1.2.0", "v1.2.0", tagged);
    const tagObject = await env.repo.git("rev-parse", "refs/tags/v1.2.0");
    expect(tagObject).not.toBe(tagged);
    // main moves on: the build must be of the tag, not of the branch.
    await env.repo.commit({ message: "after the release" });

    const answer = await env.hook("github", "push", githubTagPush("v1.2.0", tagObject, tagged));
    expect(answer.status).toBe(202);
    const id = (answer.body.builds as number[])[0] as number;
    const build = await buildFinished((env as ForgeApp).app, id, WAIT);
    expect(build).toMatchObject({
      status: "succeeded",
      sha: tagged,
      branch: "v1.2.0",
      requester: "carol-gh",
    });
    expect((build as Build).trigger).toMatchObject({ kind: "push", tag: true });

    await vi.waitFor(
      () =>
        expect(env?.forge.accepted().map((call) => [call.sha, call.body.state])).toEqual([
          [tagged, "pending"],
          [tagged, "success"],
        ]),
      WAIT,
    );
    const posts = await vi.waitFor(() => {
      const found = (env as ForgeApp).mattermost.posts;
      if (found.length < 2) throw new Error("posts not there yet");
      return found;
    }, WAIT);
    const text = JSON.stringify(posts);
    expect(text).toContain("Tag pushed by carol-gh");
    expect(text).toContain(`https://github.com/${FULL_NAME}/compare/v1.2.0`);
    expect(text).toContain("v1.2.0");

    // A tag that `on.tags` does not name builds nothing.
    await env.repo.git("tag", "nightly-1", tagged);
    const other = await env.hook("github", "push", githubTagPush("nightly-1", tagged, tagged));
    expect(other.body).toMatchObject({ builds: [], ignored: [expect.stringContaining("tag nightly-1")] });
  });
});
