import { describe, expect, it } from "vitest";
import {
  classifyResponse,
  createWebhookTransport,
  parseRetryAfter,
} from "../../../../src/chat/mattermost/webhook-transport.js";

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);

describe("classifyResponse", () => {
  it("counts any 2xx as delivered", () => {
    expect(classifyResponse(200, new Headers(), "ok", NOW)).toEqual({ kind: "delivered" });
    expect(classifyResponse(201, new Headers(), "", NOW).kind).toBe("delivered");
  });

  it("reads Retry-After from a 429", () => {
    const outcome = classifyResponse(429, new Headers({ "retry-after": "7" }), "limit exceeded\n", NOW);
    expect(outcome).toMatchObject({ kind: "rate_limited", retryAfterMs: 7000 });
  });

  it("retries 5xx and 408, gives up on other 4xx with the AppError's message", () => {
    expect(classifyResponse(503, new Headers(), "", NOW).kind).toBe("retryable");
    expect(classifyResponse(500, new Headers(), "", NOW).kind).toBe("retryable");
    expect(classifyResponse(408, new Headers(), "", NOW).kind).toBe("retryable");
    const outcome = classifyResponse(
      400,
      new Headers(),
      '{"id":"web.incoming_webhook.general.app_error","message":"Invalid."}',
      NOW,
    );
    expect(outcome).toEqual({
      kind: "permanent",
      error: "HTTP 400: web.incoming_webhook.general.app_error: Invalid.",
    });
    expect(classifyResponse(404, new Headers(), "", NOW).kind).toBe("permanent");
  });
});

describe("parseRetryAfter", () => {
  it("accepts seconds and HTTP dates, and nothing else", () => {
    expect(parseRetryAfter("3", NOW)).toBe(3000);
    expect(parseRetryAfter(new Date(NOW + 120_000).toUTCString(), NOW)).toBe(120_000);
    expect(parseRetryAfter(new Date(NOW - 5_000).toUTCString(), NOW)).toBe(0);
    expect(parseRetryAfter(null, NOW)).toBeNull();
    expect(parseRetryAfter("soon", NOW)).toBeNull();
  });
});

describe("createWebhookTransport", () => {
  it("POSTs the payload as JSON to the webhook with a timeout signal", async () => {
    const calls: { url: string; init: RequestInit }[] = [];
    const transport = createWebhookTransport({
      webhookUrl: "http://mm.example/hooks/abc",
      timeoutMs: 5000,
      fetch: (async (url: string, init: RequestInit) => {
        calls.push({ url, init });
        return new Response("ok", { status: 200 });
      }) as typeof fetch,
    });
    expect(await transport.send({ text: "hi" })).toEqual({ kind: "delivered" });
    expect(calls[0]?.url).toBe("http://mm.example/hooks/abc");
    expect(calls[0]?.init.method).toBe("POST");
    expect(calls[0]?.init.body).toBe('{"text":"hi"}');
    expect(new Headers(calls[0]?.init.headers).get("content-type")).toBe("application/json");
    expect(calls[0]?.init.signal).toBeInstanceOf(AbortSignal);
  });

  it("turns connection errors and timeouts into retryable outcomes, never throws", async () => {
    const refused = createWebhookTransport({
      webhookUrl: "http://mm.example/hooks/abc",
      timeoutMs: 5000,
      fetch: (async () => {
        throw new TypeError("fetch failed", {
          cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }),
        });
      }) as typeof fetch,
    });
    expect(await refused.send({ text: "x" })).toMatchObject({
      kind: "retryable",
      error: expect.stringContaining("ECONNREFUSED"),
    });

    const hanging = createWebhookTransport({
      webhookUrl: "http://mm.example/hooks/abc",
      timeoutMs: 1,
      fetch: ((_url: string, init: RequestInit) =>
        new Promise((_resolve, reject) => {
          init.signal?.addEventListener("abort", () => reject(init.signal?.reason));
        })) as typeof fetch,
    });
    expect(await hanging.send({ text: "x" })).toEqual({ kind: "retryable", error: "no answer within 1 ms" });
  });

  it("parses an HTTP-date Retry-After against the injected clock", async () => {
    const transport = createWebhookTransport({
      webhookUrl: "http://mm.example/hooks/abc",
      timeoutMs: 5000,
      clock: () => NOW,
      fetch: (async () =>
        new Response("limit exceeded\n", {
          status: 429,
          headers: { "retry-after": new Date(NOW + 30_000).toUTCString() },
        })) as unknown as typeof fetch,
    });
    expect(await transport.send({ text: "x" })).toMatchObject({ kind: "rate_limited", retryAfterMs: 30_000 });
  });
});
