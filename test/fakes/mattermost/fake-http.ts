import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

/** The fake Mattermost's HTTP plumbing shared by every route: request and response shapes, AppError. */

/** MaximumPayloadSizeBytes default plus the 512 bytes of slack the server adds. */
export const MAX_PAYLOAD_BYTES = 300_000 + 512;

export interface FakeRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage["headers"];
  /** null when the body exceeded MAX_PAYLOAD_BYTES (it was read and dropped). */
  readonly body: Buffer | null;
  /** Capture groups of the route pattern. */
  readonly params: readonly string[];
}

export interface FakeResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Objects are sent as application/json; strings as text/plain unless a content-type is given. */
  readonly body: string | object;
}

export type FakeHandler = (request: FakeRequest) => FakeResponse | Promise<FakeResponse>;

export async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    // Keep draining past the cap so the client sees our answer, not a reset.
    if (size <= MAX_PAYLOAD_BYTES) chunks.push(chunk as Buffer);
  }
  return size > MAX_PAYLOAD_BYTES ? null : Buffer.concat(chunks);
}

export function send(res: ServerResponse, response: FakeResponse): void {
  const isText = typeof response.body === "string";
  const body = isText ? (response.body as string) : JSON.stringify(response.body);
  const headers: Record<string, string> = {
    "content-type": isText ? "text/plain" : "application/json",
    ...response.headers,
  };
  res.writeHead(response.status, headers).end(body);
}

export function ok(): FakeResponse {
  return { status: 200, body: "ok" };
}

export function serviceUnavailable(): FakeResponse {
  return {
    status: 503,
    headers: { "content-type": "text/html" },
    body: "<html><body>503 Service Unavailable</body></html>",
  };
}

/** The AppError JSON shape; detailed_error carries the inner id as with EnableDeveloper=true. */
export function appError(status: number, id: string, message: string, detailed = ""): FakeResponse {
  return {
    status,
    body: { id, message, detailed_error: detailed, request_id: newId(), status_code: status },
  };
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Mattermost ids: 26 lower-case base32 characters. */
export function newId(): string {
  const alphabet = "abcdefghijkmnopqrstuwxyz13456789";
  return Array.from(randomBytes(26), (byte) => alphabet[byte % alphabet.length]).join("");
}
