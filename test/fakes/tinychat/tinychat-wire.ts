import { createHmac } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * Tinychat's side of the wire, written from its (made-up) documentation, not from its platform
 * code: a bot posts with `POST /api/messages` (`Authorization: Bearer <token>`, JSON `{ room, text }`,
 * `room` null for the bot's home room), and a command is delivered to the integration as JSON
 * `{ text, user: { id, name }, room: { id, name } }`, signed `X-Tinychat-Signature: v1=<hex HMAC-SHA256
 * of the body>` with the integration's signing secret; it reads `{ reply }` back.
 */

export interface TinychatMessage {
  readonly room: string | null;
  readonly text: string;
}

export class FakeTinychat {
  readonly messages: TinychatMessage[] = [];
  readonly #server: Server;
  readonly #token: string;

  private constructor(token: string) {
    this.#token = token;
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  static async start(token: string): Promise<FakeTinychat> {
    const fake = new FakeTinychat(token);
    await new Promise<void>((resolve) => fake.#server.listen(0, "127.0.0.1", resolve));
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    };
    if (req.method !== "POST" || req.url !== "/api/messages")
      return answer(404, { error: "no such endpoint" });
    if (req.headers.authorization !== `Bearer ${this.#token}`) return answer(401, { error: "bad token" });
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      return answer(400, { error: "not JSON" });
    }
    const message = body as Partial<TinychatMessage> | null;
    if (typeof message?.text !== "string" || !(message.room === null || typeof message.room === "string")) {
      return answer(400, { error: "a message is { room, text }" });
    }
    this.messages.push({ room: message.room, text: message.text });
    return answer(201, { ok: true });
  }
}

/** The headers Tinychat sends a command with; none when `secret` is null. */
export function tinychatCommandHeaders(body: string, secret: string | null): Record<string, string> {
  return {
    "content-type": "application/json",
    ...(secret === null
      ? {}
      : { "x-tinychat-signature": `v1=${createHmac("sha256", secret).update(body).digest("hex")}` }),
  };
}
