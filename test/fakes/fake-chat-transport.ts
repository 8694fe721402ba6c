import type { ChatTransport, SendOutcome } from "../../src/notify/ports.js";

/**
 * In-process ChatTransport: answers from a script (then "delivered"), and records every send with
 * the time it happened on the given clock.
 */
export class FakeChatTransport implements ChatTransport {
  readonly sends: { readonly payload: unknown; readonly at: number; readonly outcome: SendOutcome }[] = [];
  readonly #script: SendOutcome[] = [];
  readonly #clock: () => number;
  /** Resolves the current send only when released (to observe a send in flight). */
  #gate: Promise<void> | null = null;
  /** Sends begun, including one still held. */
  started = 0;

  constructor(clock: () => number) {
    this.#clock = clock;
  }

  /** Queue outcomes for the next sends. */
  answer(...outcomes: SendOutcome[]): this {
    this.#script.push(...outcomes);
    return this;
  }

  /** Holds every following send until the returned release function is called. */
  hold(): () => void {
    let release = () => {};
    this.#gate = new Promise<void>((resolve) => {
      release = () => {
        this.#gate = null;
        resolve();
      };
    });
    return release;
  }

  get delivered(): unknown[] {
    return this.sends.filter((send) => send.outcome.kind === "delivered").map((send) => send.payload);
  }

  async send(payload: unknown): Promise<SendOutcome> {
    const at = this.#clock();
    this.started += 1;
    if (this.#gate) await this.#gate;
    const outcome = this.#script.shift() ?? { kind: "delivered" };
    this.sends.push({ payload, at, outcome });
    return outcome;
  }
}
