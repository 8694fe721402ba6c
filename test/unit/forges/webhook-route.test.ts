import { Writable } from "node:stream";
import Fastify from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import type { Build } from "../../../src/core/build.js";
import type { Admission } from "../../../src/core/triggers/admit-forge-event.js";
import { type ConfiguredForge, configuredForges } from "../../../src/forges/configured-forges.js";
import { FORGE_HOSTS } from "../../../src/forges/forge-hosts.js";
import { webhookRoute } from "../../../src/forges/webhook-route.js";
import { errorHandler } from "../../../src/http/error-handler.js";
import { type Db, openDatabase } from "../../../src/store/open-database.js";
import { SqliteWebhookDeliveries } from "../../../src/store/sqlite-webhook-deliveries.js";
import { webhookHeaders } from "../../fakes/fake-forge.js";
import { githubExamples } from "../../helpers/github-examples.js";
import { makeConfig } from "../../helpers/make-config.js";

const SECRET = "receiver-secret-0123456789";
const config = makeConfig({
  forges: { github: { webhook_secret: SECRET }, gitlab: { webhook_secret: SECRET } },
  repos: {
    hello: {
      url: "https://github.com/Codertocat/Hello-World.git",
      commands: ["true"],
      forge: "github",
      on: { push: true },
    },
  },
});
const forges = configuredForges(config, FORGE_HOSTS);
const push = githubExamples("push").find((e) => e.ref === "refs/heads/master");

let db: Db | null = null;
afterEach(() => {
  db?.close();
  db = null;
});

/** The route as app.ts mounts it: behind the one error handler, logging at debug into `log`. */
async function route(admit: () => Promise<Admission>, kind: "github" | "gitlab" = "github") {
  db = openDatabase(":memory:");
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const app = Fastify({ logger: { level: "debug", stream } });
  app.setErrorHandler(errorHandler);
  await app.register(webhookRoute, {
    forge: forges.get(kind) as ConfiguredForge,
    repos: Object.values(config.repos),
    admit,
    deliveries: new SqliteWebhookDeliveries(db),
    clock: () => 1,
  });
  const body = JSON.stringify(push);
  const send = (secret = SECRET) =>
    app.inject({
      method: "POST",
      url: `/hooks/${kind}`,
      headers: webhookHeaders(kind, kind === "github" ? "push" : "Push Hook", body, secret, "delivery-1"),
      payload: body,
    });
  return { app, send, log: () => lines.join("") };
}

describe("webhook route: a missing or wrong signature", () => {
  const never = async (): Promise<Admission> => {
    throw new Error("nothing may be admitted");
  };

  it("is WEBHOOK_SIGNATURE_INVALID, a 401 that names the config key to set, not the slash-command token's code", async () => {
    const { send } = await route(never);
    const refused = await send("guessed-secret-0123456789");
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toEqual({
      error: "WEBHOOK_SIGNATURE_INVALID",
      message: expect.stringContaining("forges.github.webhook_secret"),
    });
  });

  it.each(["github", "gitlab"] as const)(
    "is logged with the host and delivery id, never with what was presented (%s)",
    async (kind) => {
      const { send, log } = await route(never, kind);
      const guessed = "guessed-secret-0123456789";
      const presented = webhookHeaders(kind, "push", JSON.stringify(push), guessed);
      const signature = presented["x-hub-signature-256"] ?? presented["x-gitlab-token"] ?? "";
      expect(signature).not.toBe("");
      expect((await send(guessed)).statusCode).toBe(401);
      expect(log()).toContain("webhook refused: missing or wrong signature");
      expect(log()).toContain("delivery-1");
      expect(log()).not.toContain(signature.replace(/^sha256=/, ""));
      expect(log()).not.toContain(guessed);
    },
  );
});

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
