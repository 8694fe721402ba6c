import { createHmac, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { FakeForge, HOST_ROUTES, type StatusRoute } from "../fake-forge.js";

/**
 * Tinyforge's side of the wire, written from its (made-up) documentation, not from its ForgeHost:
 * how it signs and sends a webhook, and where its checks API takes statuses.
 */

/** POST {api}/repos/{owner}/{name}/commits/{sha}/checks, X-Tinyforge-Token; the API lives under /tiny/api. */
export const TINYFORGE_ROUTE: StatusRoute = {
  kind: "tinyforge",
  apiBase: "/tiny/api",
  pattern: /^\/tiny\/api\/repos\/([^/]+\/[^/]+)\/commits\/([0-9a-f]+)\/checks$/,
  authHeader: "x-tinyforge-token",
};

/** A fake Git host that takes the three real hosts' statuses and Tinyforge's. */
export function startTinyforge(): Promise<FakeForge> {
  return FakeForge.start([...HOST_ROUTES, TINYFORGE_ROUTE]);
}

/** X-Tinyforge-Signature: "v1=" + base64 HMAC-SHA256 of the body; no header without a secret. */
export function tinyforgeHeaders(
  event: string,
  body: string,
  secret: string | null,
  delivery: string = randomUUID(),
): Record<string, string> {
  return {
    "content-type": "application/json",
    "x-tinyforge-event": event,
    "x-tinyforge-delivery": delivery,
    ...(secret === null
      ? {}
      : { "x-tinyforge-signature": `v1=${createHmac("sha256", secret).update(body).digest("base64")}` }),
  };
}

export function tinyforgeFixture(name: "push" | "review"): Record<string, unknown> {
  const url = new URL(`../../fixtures/forges/tinyforge-${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, "utf8")) as Record<string, unknown>;
}
