import Fastify from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import type { ForgeConfig } from "../../../src/config/config.js";
import type { Build } from "../../../src/core/build.js";
import type { Admission } from "../../../src/core/triggers/admit-forge-event.js";
import { deliveryId } from "../../../src/forges/delivery-id.js";
import { webhookRoute } from "../../../src/forges/webhook-route.js";
import { type Db, openDatabase } from "../../../src/store/open-database.js";
import { SqliteWebhookDeliveries } from "../../../src/store/sqlite-webhook-deliveries.js";
import { webhookHeaders } from "../../fakes/fake-forge.js";
import { githubExamples } from "../../helpers/github-examples.js";
import { makeConfig } from "../../helpers/make-config.js";

const SECRET = "receiver-secret-0123456789";
const config = makeConfig({
  forges: { github: { webhook_secret: SECRET } },
  repos: {
    hello: {
      url: "https://github.com/Codertocat/Hello-World.git",
      commands: ["true"],
      forge: "github",
      on: { push: true },
    },
  },
});
const push = githubExamples("push").find((e) => e.ref === "refs/heads/master");

let db: Db | null = null;
afterEach(() => {
  db?.close();
  db = null;
});

async function route(admit: () => Promise<Admission>) {
  db = openDatabase(":memory:");
  const app = Fastify();
  await app.register(webhookRoute, {
    forge: config.forges?.github as ForgeConfig,
    repos: Object.values(config.repos),
    admit,
    deliveries: new SqliteWebhookDeliveries(db),
    clock: () => 1,
  });
  const body = JSON.stringify(push);
  const send = () =>
    app.inject({
      method: "POST",
      url: "/hooks/github",
      headers: webhookHeaders("github", "push", body, SECRET, "delivery-1"),
      payload: body,
    });
  return { app, send };
}

describe("webhook route: delivery ids", () => {
  it("a delivery whose handling failed is handled afresh when the host sends it again", async () => {
    let calls = 0;
    const { send } = await route(async () => {
      calls++;
      if (calls === 1) throw new Error("database is locked");
      return { outcome: "built", build: { id: 7 } as Build, superseded: [] };
    });
    expect((await send()).statusCode).toBe(500);
    const retry = await send();
    expect(retry.statusCode).toBe(202);
    expect(retry.json()).toEqual({ builds: [7], ignored: [] });
    // Handled once: the next repeat is one.
    expect((await send()).json()).toMatchObject({ duplicate: true, builds: [] });
    expect(calls).toBe(2);
  });
});

describe("deliveryId", () => {
  const headers = (values: Record<string, string>) => (name: string) => values[name];

  it("reads only the host's own headers, GitLab's Idempotency-Key before its event UUID", () => {
    expect(deliveryId("github", headers({ "x-github-delivery": "g-1", "x-gitea-delivery": "x" }))).toBe(
      "g-1",
    );
    expect(deliveryId("gitea", headers({ "x-github-delivery": "g-1" }))).toBeNull();
    expect(deliveryId("gitea", headers({ "x-forgejo-delivery": "f-1" }))).toBe("f-1");
    expect(deliveryId("gitlab", headers({ "idempotency-key": "k", "x-gitlab-event-uuid": "u" }))).toBe("k");
    expect(deliveryId("gitlab", headers({ "x-gitlab-event-uuid": "u" }))).toBe("u");
  });

  it("a value that is not a plain token counts as no id", () => {
    expect(deliveryId("github", headers({ "x-github-delivery": "a b" }))).toBeNull();
    expect(deliveryId("github", headers({ "x-github-delivery": "x".repeat(201) }))).toBeNull();
    expect(deliveryId("github", headers({ "x-github-delivery": "a\u0000b" }))).toBeNull();
    expect(deliveryId("github", headers({}))).toBeNull();
  });
});
