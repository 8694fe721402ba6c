import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeForge, sendWebhook } from "../fakes/fake-forge.js";
import { FakeMattermost } from "../fakes/fake-mattermost.js";
import { GitRepoFixture, makeTempDir, removeDir } from "../helpers/git-repo.js";
import { githubExamples } from "../helpers/github-examples.js";
import { ServiceProcess, waitFor } from "../helpers/service-process.js";

/**
 * Build on push with the `slashbuild` binary as users run it: the fake Git host signs a push
 * webhook, the build runs, the fake Mattermost gets the start and finish posts, and the fake host
 * gets a pending and a final commit status. Nothing here is imported from src/.
 */

const SECRET = "e2e-webhook-secret-0123456789";
const TOKEN = "e2e-status-token-0123456789";

let forge: FakeForge;
let mattermost: FakeMattermost;
let repo: GitRepoFixture;
let dir: string;
let service: ServiceProcess | null = null;

beforeEach(async () => {
  forge = await FakeForge.start();
  mattermost = await FakeMattermost.start();
  repo = await GitRepoFixture.create();
  dir = await makeTempDir("slashbuild-e2e-push-");
});

afterEach(async () => {
  await service?.stop("SIGKILL");
  service = null;
  await forge.close();
  await mattermost.close();
  await repo.remove();
  await removeDir(dir);
});

function push(sha: string): Record<string, unknown> {
  const example = githubExamples("push").find((e) => e.ref === "refs/heads/master") as Record<
    string,
    unknown
  >;
  const commit = {
    id: sha,
    message: "Ship the cache",
    author: { name: "Carol", email: "carol@example.com" },
  };
  return {
    ...example,
    ref: "refs/heads/main",
    after: sha,
    deleted: false,
    commits: [commit],
    head_commit: commit,
    pusher: { name: "carol-gh", email: "carol@example.com" },
    sender: { login: "carol-gh" },
    repository: {
      ...(example.repository as object),
      full_name: "acme/app",
      clone_url: "https://github.com/acme/app.git",
    },
  };
}

describe("slashbuild serve: build on push", () => {
  it("push → build → chat posts → pending and success statuses on the commit", async () => {
    const sha = await repo.commit({ message: "Ship the cache" });
    service = await ServiceProcess.write(dir, {
      data_dir: "./data",
      log_level: "warn",
      mattermost: { token: "slash-token-0123456789", webhook_url: mattermost.addIncomingWebhook("ci") },
      delivery: { initial_backoff: "100ms", max_backoff: "1s" },
      forges: { github: { api_url: forge.apiUrl("github"), token: TOKEN, webhook_secret: SECRET } },
      repos: {
        app: {
          url: repo.dir,
          full_name: "acme/app",
          branch: "main",
          commands: ["true"],
          on: { push: ["main"] },
        },
      },
    });
    await service.start();

    const forged = await sendWebhook(
      `${service.url}/hooks/github`,
      "github",
      "push",
      push(sha),
      "not-the-secret-0123",
    );
    expect(forged.status).toBe(401);
    const answer = await sendWebhook(`${service.url}/hooks/github`, "github", "push", push(sha), SECRET);
    expect(answer).toMatchObject({ status: 202, body: { builds: [1] } });

    const statuses = await waitFor("both commit statuses", () => {
      const calls = forge.accepted();
      return calls.length >= 2 ? calls : undefined;
    });
    expect(statuses.map((call) => [call.repo, call.sha, call.body.state, call.auth])).toEqual([
      ["acme/app", sha, "pending", `Bearer ${TOKEN}`],
      ["acme/app", sha, "success", `Bearer ${TOKEN}`],
    ]);
    expect(statuses[1]?.body.target_url).toBe(`${service.url}/builds/1`);
    const posts = await waitFor("start and finish posts", () =>
      mattermost.posts.length >= 2 ? mattermost.posts : undefined,
    );
    const text = posts.map((post) => JSON.stringify(post)).join("\n");
    expect(text).toContain("Pushed by carol-gh");
    expect(text).toContain("Ship the cache");
    expect(text).toMatch(/succeeded/);
    // The service log never carries the webhook secret or the token.
    expect(service.stderr).not.toContain(SECRET);
    expect(service.stderr).not.toContain(TOKEN);
  });
});
