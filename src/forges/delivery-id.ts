import type { HeaderGetter, WebhookScheme } from "./forge-host.js";

/**
 * The id a Git host gives one delivery of an event (forges CONTRACT §1), which a redelivery
 * repeats, read from the host's own headers (WebhookScheme.deliveryHeaders) only. The id is not
 * covered by the signature (hosts sign the body only), so it is used for nothing but recognising a
 * repeat, and only after the signature passed. A value that is not a plain token (over 200
 * characters, spaces, control characters) counts as no id: the delivery is handled, as one from a
 * host that sends none.
 */

const PLAIN_TOKEN = /^[\x21-\x7e]{1,200}$/;

export function deliveryId(
  scheme: Pick<WebhookScheme, "deliveryHeaders">,
  header: HeaderGetter,
): string | null {
  for (const name of scheme.deliveryHeaders) {
    const value = header(name)?.trim();
    if (value) return PLAIN_TOKEN.test(value) ? value : null;
  }
  return null;
}
