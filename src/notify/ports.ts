/**
 * How the outbox hands a stored message to a chat system. Transports classify; the deliverer
 * decides what each class means (mark delivered, pause everything, back off, give up).
 * A transport never throws for a failed delivery: it returns the outcome.
 */
export type SendOutcome =
  | { readonly kind: "delivered" }
  /** 429: the peer's limit is global, so all sending pauses; retryAfterMs null = not stated. */
  | { readonly kind: "rate_limited"; readonly retryAfterMs: number | null; readonly error: string }
  /** 5xx, timeouts, refused or reset connections: the peer may come back, so retry forever. */
  | { readonly kind: "retryable"; readonly error: string }
  /** Any other 4xx: sending the same message again cannot succeed. */
  | { readonly kind: "permanent"; readonly error: string };

export interface ChatTransport {
  send(payload: unknown): Promise<SendOutcome>;
}
