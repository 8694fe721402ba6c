import { describe, expect, it } from "vitest";
import { forgeName } from "../../src/config/forge-schema.js";
import { PULL_HEAD_REF } from "../../src/core/triggers/pull-ref.js";
import { configuredForges } from "../../src/forges/configured-forges.js";
import { decodeWebhook } from "../../src/forges/decode-webhook.js";
import { deliveryId } from "../../src/forges/delivery-id.js";
import type { ForgeHost } from "../../src/forges/forge-host.js";
import { createCommitStatusTransport } from "../../src/forges/status/commit-status-transport.js";
import type { CommitStatusPayload } from "../../src/forges/status/format-commit-status.js";
import type { FakeForge } from "../fakes/fake-forge.js";
import { makeConfig } from "../helpers/make-config.js";
import { chatTransportContract } from "./chat-transport-contract.js";

/**
 * What every Git host (src/forges/forge-hosts.ts, and a host a test adds) must do, seen through
 * the code that uses a ForgeHost: the webhook decoder, the delivery id, the commit-status
 * transport. Each host's harness brings its real payloads (the host's published examples) and
 * its wire, written from the host's documentation and not from src/: the headers it sends and
 * how it signs, and a loopback fake of its status API.
 */

export interface Sample {
  /** The event name the host sends the payload under. */
  readonly event: string;
  readonly payload: unknown;
  /** The repository the payload names. */
  readonly fullName: string;
}

export interface ForgeHostHarness {
  readonly host: ForgeHost;
  /** The headers the host sends with `body`: event, delivery id, and its signature with `secret` (none when null). */
  headers(event: string, body: string, secret: string | null, delivery: string): Record<string, string>;
  /** Whether the signature covers the body (GitLab's token is the secret itself and does not). */
  readonly signsBody: boolean;
  /** A branch push. */
  readonly push: Sample & { readonly ref: string; readonly sha: string };
  readonly tagPush: Sample & { readonly ref: string; readonly sha: string };
  /** A pull (merge) request that brings a new head, and the ref the host publishes that head at. */
  readonly pullRequest: Sample & { readonly sha: string; readonly number: number; readonly headRef: string };
  /** An event the host sends that builds nothing. */
  readonly ignored: Sample;
  /** A loopback fake of the host's status API (FakeForge, with the host's route). */
  startStatusApi(): Promise<FakeForge>;
}

const SECRET = "contract-webhook-secret-0123456789";
const SHA = "0123456789abcdef0123456789abcdef01234567";

/** A config with one repo, `fullName` on the host, and the host configured with its API. */
function configured(h: ForgeHostHarness, fullName: string, apiUrl = "https://git.example.com/api") {
  const config = makeConfig({
    forges: { [h.host.name]: { api_url: apiUrl, token: "status-token-0123456789", webhook_secret: SECRET } },
    repos: {
      app: {
        url: "/nonexistent/app.git",
        full_name: fullName,
        forge: h.host.name,
        commands: ["true"],
        on: { push: true, pull_request: true },
      },
    },
  });
  const forge = configuredForges(config, { [h.host.name]: h.host }).get(h.host.name);
  if (!forge) throw new Error("not configured");
  return { config, forge };
}

function deliver(h: ForgeHostHarness, sample: Sample, secret: string | null, sent?: Buffer) {
  const { config, forge } = configured(h, sample.fullName);
  const body = JSON.stringify(sample.payload);
  const headers = h.headers(sample.event, body, secret, "delivery-0001");
  return decodeWebhook(
    forge,
    Object.values(config.repos),
    (name) => headers[name],
    sent ?? Buffer.from(body),
    "application/json",
  );
}

function decoded(h: ForgeHostHarness, sample: Sample) {
  const result = deliver(h, sample, SECRET);
  if (result.kind !== "event") throw new Error(`not an event to build: ${JSON.stringify(result)}`);
  return result;
}

export function forgeHostContract(h: ForgeHostHarness): void {
  const { host } = h;

  describe(`the ${host.name} host honours the ForgeHost contract`, () => {
    it("has a name fit for a config key and a URL path, and names people know it by", () => {
      expect(forgeName.safeParse(host.name).success).toBe(true);
      expect(host.displayNames.every((name) => /^\S/.test(name))).toBe(true);
    });

    it("its config piece: a default API base (http(s)) or none, and an example", () => {
      if (host.api.defaultUrl !== null) expect(host.api.defaultUrl).toMatch(/^https?:\/\/[^\s]+[^/]$/);
      expect(host.api.example).toMatch(/^https?:\/\//);
    });

    it("a delivery signed with the repo's secret is decoded into that repo", () => {
      expect(decoded(h, h.push).repos.map((repo) => repo.name)).toEqual(["app"]);
    });

    it("no signature, a wrong secret, or (if it signs the body) a changed body: unauthenticated", () => {
      expect(deliver(h, h.push, null).kind).toBe("unauthenticated");
      expect(deliver(h, h.push, "guessed-secret-0123456789abcdef").kind).toBe("unauthenticated");
      const changed = Buffer.from(JSON.stringify(h.push.payload).replace(h.push.sha, SHA));
      expect(changed.equals(Buffer.from(JSON.stringify(h.push.payload)))).toBe(false);
      expect(deliver(h, h.push, SECRET, changed).kind).toBe(h.signsBody ? "unauthenticated" : "event");
    });

    it("the signature is checked before the body is read: garbage with a wrong one is refused, not a 400", () => {
      expect(deliver(h, h.push, "guessed-secret-0123456789abcdef", Buffer.from("not json")).kind).toBe(
        "unauthenticated",
      );
    });

    it("a delivery without its event header is a 400 naming the header", () => {
      const { config, forge } = configured(h, h.push.fullName);
      const body = JSON.stringify(h.push.payload);
      const headers = h.headers(h.push.event, body, SECRET, "d");
      for (const name of host.webhook.eventHeaders) delete headers[name];
      expect(() =>
        decodeWebhook(
          forge,
          Object.values(config.repos),
          (n) => headers[n],
          Buffer.from(body),
          "application/json",
        ),
      ).toThrow(
        expect.objectContaining({ code: "REQUEST_INVALID", message: expect.stringContaining("header") }),
      );
    });

    it("reads the delivery id the host sends, and none from a delivery without one", () => {
      const headers = h.headers(h.push.event, "{}", SECRET, "delivery-0042");
      expect(deliveryId(host.webhook, (name) => headers[name])).toBe("delivery-0042");
      expect(deliveryId(host.webhook, () => undefined)).toBeNull();
    });

    it("a branch push builds its commit, as a push by this host", () => {
      const { event } = decoded(h, h.push);
      expect(event).toMatchObject({ kind: "push", ref: h.push.ref, tag: false, sha: h.push.sha });
      expect(event.trigger).toMatchObject({ kind: "push", forge: host.name });
    });

    it("a tag push builds the tag's commit", () => {
      expect(decoded(h, h.tagPush).event).toMatchObject({
        kind: "push",
        ref: h.tagPush.ref,
        tag: true,
        sha: h.tagPush.sha,
      });
    });

    it("a pull request builds its head, with the ref the host publishes it at and the host's words", () => {
      const { event } = decoded(h, h.pullRequest);
      expect(event).toMatchObject({
        kind: "pull_request",
        sha: h.pullRequest.sha,
        trigger: { forge: host.name, number: h.pullRequest.number, headRef: h.pullRequest.headRef },
      });
      if (event.kind !== "pull_request") throw new Error("not a pull request");
      expect(event.trigger.headRef).toMatch(PULL_HEAD_REF);
      expect(event.trigger.noun).toBe(host.pullRequests.noun);
      expect(event.trigger.reference).toBe(`${host.pullRequests.marker}${h.pullRequest.number}`);
      // The mirror fetches the heads with one refspec: the pattern's one `*` is the number.
      expect(host.pullRequests.heads.split("*")).toHaveLength(2);
      expect(host.pullRequests.heads.replace("*", "7")).toMatch(PULL_HEAD_REF);
    });

    it("an event it does not build is acknowledged and ignored; a payload missing its fields is a 400", () => {
      expect(deliver(h, h.ignored, SECRET).kind).toBe("ignored");
      expect(() => host.webhook.decode(h.push.event, { unexpected: true })).toThrow(
        expect.objectContaining({ code: "REQUEST_INVALID", httpStatus: 400 }),
      );
    });

    it("a commit's page is on the instance's web origin (never its API), and names the repo and the commit", () => {
      const api = host.api.example;
      const url = host.web.commitUrl(api, "acme/app", SHA);
      expect(url.startsWith(`${new URL(api).origin}/acme/app/`)).toBe(true);
      expect(url).toContain(SHA);
      expect(url).not.toContain("/api/");
    });

    it("a status request goes under the configured API base, with the token in a header only", () => {
      const status = payload(host.name, h.push.fullName);
      const request = host.statuses.request("https://git.example.com/api", "tok-0123456789", status);
      expect(request.url.startsWith("https://git.example.com/api/")).toBe(true);
      expect(request.url).toContain(SHA);
      expect(request.url).not.toContain("tok-0123456789");
      expect(JSON.stringify(request.body)).not.toContain("tok-0123456789");
      expect(Object.values(request.headers).join(" ")).toContain("tok-0123456789");
    });
  });

  chatTransportContract(`the ${host.name} commit-status transport`, async () => {
    const api = await h.startStatusApi();
    api.knownRepos = new Set([h.push.fullName]);
    const { forge } = configured(h, h.push.fullName, api.apiUrl(host.name));
    let stopped = false;
    return {
      transport: createCommitStatusTransport({ forges: new Map([[host.name, forge]]), timeoutMs: 1_000 }),
      payload: payload(host.name, h.push.fullName),
      refusedPayload: payload(host.name, "acme/unknown"),
      stored: () => api.accepted().length,
      async rateLimitNext() {
        api.script.push({ status: 429, headers: { "retry-after": "7" }, body: '{"message":"rate limited"}' });
        return { retryAfterSeconds: 7 };
      },
      outage(outage) {
        api.outage = outage;
      },
      async stopPeer() {
        stopped = true;
        await api.close();
      },
      async close() {
        if (!stopped) await api.close();
      },
    };
  });
}

function payload(forge: string, repo: string): CommitStatusPayload {
  return {
    forge,
    repo,
    sha: SHA,
    state: "pending",
    targetUrl: "http://ci.example.com/builds/1",
    description: "#1 queued",
    context: "slashbuild",
  };
}
