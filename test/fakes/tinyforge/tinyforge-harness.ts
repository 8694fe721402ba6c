import type { ForgeHostHarness } from "../../contracts/forge-host-contract.js";
import { tinyforgeHost } from "./tinyforge-host.js";
import { startTinyforge, tinyforgeFixture, tinyforgeHeaders } from "./tinyforge-wire.js";

/** The fourth host through the same contract suite as the three built in. */

const push = tinyforgeFixture("push");
const review = tinyforgeFixture("review");
const HEAD = "5d2f0a1b3c4e5f60718293a4b5c6d7e8f9a0b1c2";

export const tinyforgeHarness: ForgeHostHarness = {
  host: tinyforgeHost,
  headers: tinyforgeHeaders,
  signsBody: true,
  push: { event: "push", payload: push, fullName: "acme/app", ref: "main", sha: HEAD },
  tagPush: {
    event: "push",
    payload: { ...push, ref: "refs/tags/v2" },
    fullName: "acme/app",
    ref: "v2",
    sha: HEAD,
  },
  pullRequest: {
    event: "review",
    payload: review,
    fullName: "acme/app",
    sha: "8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1",
    number: 4,
    headRef: "refs/reviews/4/head",
  },
  ignored: { event: "review", payload: { ...review, action: "closed" }, fullName: "acme/app" },
  startStatusApi: startTinyforge,
};
