import { createHash, timingSafeEqual } from "node:crypto";
import type { Config } from "../config/config.js";
import { SlashbuildError } from "../core/errors.js";

/** What the access check needs of a request (Fastify's request has all of it). */
export interface ScrapeRequest {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The TCP peer's address. */
  readonly ip: string;
}

/** Headers a reverse proxy adds: a request carrying one came from the web, even if the proxy is local. */
const PROXY_HEADERS = ["x-forwarded-for", "forwarded", "x-real-ip"];

function isLoopback(address: string): boolean {
  const plain = address.startsWith("::ffff:") ? address.slice(7) : address;
  return plain === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(plain);
}

function sameSecret(given: string, expected: string): boolean {
  // Hash both so the compare is constant-time whatever the lengths.
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * Throws METRICS_FORBIDDEN unless `request` may read /metrics under config.metrics.
 * Loopback mode refuses proxied requests: behind nginx on the same host every request arrives
 * from 127.0.0.1, and the proxy's X-Forwarded-For is what tells them apart.
 */
export function checkScrapeAccess(metrics: Config["metrics"], request: ScrapeRequest): void {
  if (metrics.access === "off") {
    throw new SlashbuildError("METRICS_FORBIDDEN", "metrics are off (metrics.access: off).");
  }
  if (metrics.access === "token") {
    const header = request.headers.authorization;
    const given = typeof header === "string" && header.startsWith("Bearer ") ? header.slice(7) : null;
    if (given === null || metrics.token === null || !sameSecret(given, metrics.token)) {
      throw new SlashbuildError(
        "METRICS_FORBIDDEN",
        "metrics need Authorization: Bearer with the token in metrics.token.",
      );
    }
    return;
  }
  const proxied = PROXY_HEADERS.some((name) => request.headers[name] !== undefined);
  if (proxied || !isLoopback(request.ip)) {
    throw new SlashbuildError(
      "METRICS_FORBIDDEN",
      "metrics are served only to requests from this machine (metrics.access: loopback); for a remote scraper set metrics.access: token and metrics.token.",
    );
  }
}
