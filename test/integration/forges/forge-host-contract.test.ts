import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FORGE_HOSTS } from "../../../src/forges/forge-hosts.js";
import { type ForgeHostHarness, forgeHostContract } from "../../contracts/forge-host-contract.js";
import { FakeForge, webhookHeaders } from "../../fakes/fake-forge.js";
import { tinyforgeHarness } from "../../fakes/tinyforge/tinyforge-harness.js";
import { githubExamples } from "../../helpers/github-examples.js";

/**
 * Every Git host through the one ForgeHost contract, with its own published payloads and its
 * signature scheme as the fake host (test/fakes/fake-forge.ts) sends it: the three in
 * src/forges/forge-hosts.ts, and the fourth host a test adds (test/fakes/tinyforge/).
 */

function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../../fixtures/forges/${name}`, import.meta.url), "utf8"));
}

function example(event: string, match: (e: Record<string, unknown>) => boolean): Record<string, unknown> {
  const found = githubExamples(event).find(match);
  if (!found) throw new Error(`no ${event} example`);
  return found;
}

const github: ForgeHostHarness = {
  host: FORGE_HOSTS.github,
  headers: (event, body, secret, delivery) => webhookHeaders("github", event, body, secret, delivery),
  signsBody: true,
  push: {
    event: "push",
    payload: example("push", (e) => e.ref === "refs/heads/master"),
    fullName: "Codertocat/Hello-World",
    ref: "master",
    sha: "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
  },
  tagPush: {
    event: "push",
    payload: example("push", (e) => e.ref === "refs/tags/simple-tag" && e.created === true),
    fullName: "Codertocat/Hello-World",
    ref: "simple-tag",
    sha: "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
  },
  pullRequest: {
    event: "pull_request",
    payload: example("pull_request", (e) => e.action === "synchronize"),
    fullName: "Codertocat/Hello-World",
    sha: "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
    number: 2,
    headRef: "refs/pull/2/head",
  },
  ignored: {
    event: "pull_request",
    payload: example("pull_request", (e) => e.action === "closed"),
    fullName: "Codertocat/Hello-World",
  },
  startStatusApi: () => FakeForge.start(),
};

const giteaPush = fixture("gitea-push.json");
const giteaPull = fixture("gitea-pull_request.json");
const gitea: ForgeHostHarness = {
  host: FORGE_HOSTS.gitea,
  headers: (event, body, secret, delivery) => webhookHeaders("gitea", event, body, secret, delivery),
  signsBody: true,
  push: {
    event: "push",
    payload: giteaPush,
    fullName: "gitea/webhooks",
    ref: "develop",
    sha: "bffeb74224043ba2feb48d137756c8a9331c449a",
  },
  tagPush: {
    event: "push",
    payload: { ...giteaPush, ref: "refs/tags/v1.0" },
    fullName: "gitea/webhooks",
    ref: "v1.0",
    sha: "bffeb74224043ba2feb48d137756c8a9331c449a",
  },
  pullRequest: {
    event: "pull_request",
    payload: giteaPull,
    fullName: "gitea/webhooks",
    sha: "bffeb74224043ba2feb48d137756c8a9331c449a",
    number: 7,
    headRef: "refs/pull/7/head",
  },
  ignored: { event: "pull_request", payload: { ...giteaPull, action: "closed" }, fullName: "gitea/webhooks" },
  startStatusApi: () => FakeForge.start(),
};

const gitlabPush = fixture("gitlab-push.json");
const gitlabMerge = fixture("gitlab-merge_request.json");
const gitlab: ForgeHostHarness = {
  host: FORGE_HOSTS.gitlab,
  headers: (event, body, secret, delivery) => webhookHeaders("gitlab", event, body, secret, delivery),
  signsBody: false,
  push: {
    event: "Push Hook",
    payload: gitlabPush,
    fullName: "mike/diaspora",
    ref: "master",
    sha: "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
  },
  tagPush: {
    event: "Tag Push Hook",
    payload: { ...gitlabPush, object_kind: "tag_push", ref: "refs/tags/v1.0.0" },
    fullName: "mike/diaspora",
    ref: "v1.0.0",
    sha: "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
  },
  pullRequest: {
    event: "Merge Request Hook",
    payload: gitlabMerge,
    fullName: "gitlabhq/gitlab-test",
    sha: "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
    number: 1,
    headRef: "refs/merge-requests/1/head",
  },
  ignored: {
    event: "Merge Request Hook",
    payload: {
      ...gitlabMerge,
      object_attributes: { ...(gitlabMerge.object_attributes as object), action: "close" },
    },
    fullName: "gitlabhq/gitlab-test",
  },
  startStatusApi: () => FakeForge.start(),
};

const harnesses = [github, gitea, gitlab, tinyforgeHarness];

describe("the contract suite", () => {
  it("runs against every host in the list (a host added without a harness fails here)", () => {
    expect(harnesses.filter((h) => h.host !== tinyforgeHarness.host).map((h) => h.host)).toEqual(
      Object.values(FORGE_HOSTS),
    );
  });
});

for (const harness of harnesses) forgeHostContract(harness);
