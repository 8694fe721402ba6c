import { describe, expect, it } from "vitest";
import type { ForgeConfig } from "../../../src/config/config.js";
import { peopleToMention } from "../../../src/core/triggers/people-to-mention.js";
import { commitStatusFormatter } from "../../../src/forges/status/commit-status-formatter.js";
import { classifyStatusResponse, statusRequest } from "../../../src/forges/status/commit-status-transport.js";
import type { CommitStatusPayload } from "../../../src/forges/status/format-commit-status.js";
import { makeBuild } from "../../fakes/make-build.js";
import { makeConfig } from "../../helpers/make-config.js";

const SHA = "0123456789abcdef0123456789abcdef01234567";
const NOW = Date.UTC(2026, 0, 1);

const status: CommitStatusPayload = {
  forge: "gitlab",
  repo: "group/sub/app",
  sha: SHA,
  state: "failure",
  targetUrl: "http://ci/builds/3",
  description: "#3 failed",
  context: "ci/slashbuild",
};
const forge = (kind: ForgeConfig["kind"], apiUrl: string): ForgeConfig => ({
  kind,
  apiUrl,
  token: "tok",
  webhookSecret: null,
  statusContext: "ci/slashbuild",
  mattermostUsers: {},
});

describe("commit status requests", () => {
  it("each host's path, auth header and state words (forges CONTRACT §4)", () => {
    const gitlab = statusRequest(forge("gitlab", "https://gl/api/v4"), status);
    expect(gitlab.url).toBe(`https://gl/api/v4/projects/group%2Fsub%2Fapp/statuses/${SHA}`);
    expect(gitlab.headers).toEqual({ "private-token": "tok" });
    expect(gitlab.body).toMatchObject({ state: "failed", name: "ci/slashbuild" });
    const gitea = statusRequest(forge("gitea", "https://gt/api/v1"), {
      ...status,
      forge: "gitea",
      repo: "acme/app",
    });
    expect(gitea.url).toBe(`https://gt/api/v1/repos/acme/app/statuses/${SHA}`);
    expect(gitea.headers).toEqual({ authorization: "token tok" });
    const github = statusRequest(forge("github", "https://api.github.com"), {
      ...status,
      forge: "github",
      repo: "acme/app",
    });
    expect(github.headers.authorization).toBe("Bearer tok");
    expect(github.body).toMatchObject({
      state: "failure",
      context: "ci/slashbuild",
      target_url: "http://ci/builds/3",
    });
  });

  it("rate limits pause as the host says: x-ratelimit-reset, retry-after, else a minute", () => {
    const reset = new Headers({ "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(NOW / 1000 + 90) });
    expect(classifyStatusResponse(403, reset, "", NOW)).toMatchObject({
      kind: "rate_limited",
      retryAfterMs: 90_000,
    });
    expect(classifyStatusResponse(429, new Headers({ "retry-after": "12" }), "", NOW)).toMatchObject({
      kind: "rate_limited",
      retryAfterMs: 12_000,
    });
    expect(classifyStatusResponse(403, new Headers({ "retry-after": "5" }), "", NOW).kind).toBe(
      "rate_limited",
    );
    expect(classifyStatusResponse(429, new Headers(), "", NOW)).toMatchObject({ retryAfterMs: 60_000 });
    // A plain 403 (token lacks the scope) cannot succeed by retrying.
    expect(classifyStatusResponse(403, new Headers({ "x-ratelimit-remaining": "4999" }), "", NOW).kind).toBe(
      "permanent",
    );
    expect(classifyStatusResponse(502, new Headers(), "", NOW).kind).toBe("retryable");
    expect(classifyStatusResponse(201, new Headers(), "", NOW).kind).toBe("delivered");
  });
});

describe("the commit-status formatter", () => {
  const config = makeConfig({
    forges: { github: { token: "tok", webhook_secret: "secret-0123456789abcdef" } },
    repos: { app: { url: "https://github.com/acme/app.git", commands: ["true"] } },
  });
  const formatter = commitStatusFormatter(config);

  it("a typed build: pending when started (its commit is known then), final when finished", () => {
    const typed = makeBuild({ requestedRevision: null, sha: null, status: "queued" });
    expect(formatter.queued(typed)).toEqual([]);
    const started = formatter.started({ ...typed, sha: SHA, status: "running" });
    expect(started[0]?.payload).toMatchObject({
      repo: "acme/app",
      sha: SHA,
      state: "pending",
      context: "slashbuild",
    });
    const done = formatter.finished({ ...typed, sha: SHA, status: "timed_out", finishedAt: 1_070_000 }, null);
    expect(done[0]?.payload).toMatchObject({
      state: "failure",
      targetUrl: "http://ci.example.com:8080/builds/12",
    });
  });

  it("a pushed build: pending when queued, not again when started", () => {
    const pushed = makeBuild({ requestedRevision: SHA, sha: null, status: "queued" });
    expect(formatter.queued(pushed)[0]?.payload).toMatchObject({ sha: SHA, state: "pending" });
    expect(formatter.started({ ...pushed, sha: SHA, status: "running" })).toEqual([]);
  });

  it("no token, no statuses", () => {
    const quiet = commitStatusFormatter(
      makeConfig({
        forges: { github: {} },
        repos: { app: { url: "https://github.com/acme/app.git", commands: ["true"] } },
      }),
    );
    expect(quiet.finished(makeBuild({ status: "succeeded" }), null)).toEqual([]);
  });
});

describe("who a failed push mentions", () => {
  const users = { ...forge("github", "x"), mattermostUsers: { "carol@example.com": "carol.mm" } };
  const push = (emails: (string | null)[]) => ({
    kind: "push" as const,
    forge: "github" as const,
    pusher: "Dave",
    pusherLogin: "dave-gh",
    commits: emails.map((email, i) => ({
      sha: `${i}`.repeat(40),
      title: "t",
      authorName: "a",
      authorEmail: email,
    })),
    totalCommits: emails.length,
    compareUrl: null,
    tag: false,
  });

  it("mapped authors by their username, anyone unmapped through the pusher's login", () => {
    expect(peopleToMention(push(["carol@example.com", "CAROL@example.com"]), users)).toEqual(["carol.mm"]);
    expect(peopleToMention(push(["carol@example.com", "x@example.com"]), users)).toEqual([
      "carol.mm",
      "dave-gh",
    ]);
    expect(peopleToMention(push([null]), users)).toEqual(["dave-gh"]);
    expect(peopleToMention({ kind: "schedule", name: "nightly" }, users)).toEqual([]);
  });
});
