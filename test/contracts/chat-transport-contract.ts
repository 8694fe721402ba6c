import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SendOutcome, Transport } from "../../src/notify/ports.js";

/**
 * The contract every status Transport (notify/ports.ts) passes, whatever its peer: Mattermost's
 * webhook and bot transports today, a Git host's commit-status transport next. The deliverer's
 * retry, pause and give-up logic relies on exactly this classification, so a transport that
 * passes plugs into the outbox unchanged.
 *
 * The harness drives the transport's real peer (a loopback fake, faithful to the peer's
 * contract) into each situation; the suite only sends and reads outcomes.
 */

export interface TransportHarness {
  /** Built with a short request timeout (well under the test timeout), against the running peer. */
  readonly transport: Transport;
  /** A payload the peer stores. */
  readonly payload: unknown;
  /** A payload the peer refuses with a 4xx other than 429 (unknown channel, bad body, ...). */
  readonly refusedPayload: unknown;
  /** How many payloads the peer has stored so far. */
  stored(): number;
  /** The next request is answered 429 with `Retry-After: <seconds>` (the peer's own limiter). */
  rateLimitNext(): Promise<{ readonly retryAfterSeconds: number }>;
  /** "503": the peer answers 5xx; "close": it drops the connection; "hang": it never answers; "none": healthy. */
  outage(kind: "none" | "503" | "close" | "hang"): void;
  /** Stops the peer (afterwards nothing listens on its port). */
  stopPeer(): Promise<void>;
  close(): Promise<void>;
}

const KINDS = new Set<SendOutcome["kind"]>(["delivered", "rate_limited", "retryable", "permanent"]);

export function chatTransportContract(name: string, start: () => Promise<TransportHarness>): void {
  describe(`${name} honours the Transport contract`, () => {
    let h: TransportHarness;
    beforeEach(async () => {
      h = await start();
    });
    afterEach(async () => {
      await h.close();
    });

    it("a 2xx is delivered, and stored once", async () => {
      expect(await h.transport.send(h.payload)).toEqual({ kind: "delivered" });
      expect(h.stored()).toBe(1);
    });

    it("a 429 is rate_limited with the peer's Retry-After, so the deliverer pauses that long", async () => {
      const { retryAfterSeconds } = await h.rateLimitNext();
      const outcome = await h.transport.send(h.payload);
      expect(outcome).toMatchObject({ kind: "rate_limited", retryAfterMs: retryAfterSeconds * 1000 });
      expect(h.stored()).toBe(0);
    });

    it.each(["503", "close", "hang"] as const)("an outage (%s) is retryable", async (kind) => {
      h.outage(kind);
      const outcome = await h.transport.send(h.payload);
      expect(outcome.kind).toBe("retryable");
      expect(outcome).toHaveProperty("error", expect.any(String));
      h.outage("none");
      expect(await h.transport.send(h.payload)).toEqual({ kind: "delivered" });
    });

    it("any other 4xx is permanent: sending it again cannot succeed", async () => {
      const outcome = await h.transport.send(h.refusedPayload);
      expect(outcome.kind).toBe("permanent");
      expect(outcome).toHaveProperty("error", expect.any(String));
      expect(h.stored()).toBe(0);
    });

    it("never throws: odd payloads and a vanished peer come back as outcomes", async () => {
      const circular: Record<string, unknown> = { text: "loop" };
      circular.self = circular;
      for (const payload of [undefined, null, "text", 42, circular]) {
        const outcome = await h.transport.send(payload);
        expect(KINDS.has(outcome.kind)).toBe(true);
      }
      await h.stopPeer();
      const gone = await h.transport.send(h.payload);
      expect(gone.kind).toBe("retryable");
    });
  });
}
