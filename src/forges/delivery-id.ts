import type { ForgeKind } from "../core/triggers/trigger.js";
import type { HeaderGetter } from "./verify-signature.js";

/**
 * The id a Git host gives one delivery of an event (forges CONTRACT §1), which a redelivery
 * repeats: GitHub X-GitHub-Delivery; Gitea X-Gitea-Delivery, Forgejo X-Forgejo-Delivery; GitLab
 * Idempotency-Key (17.4+, the same across its retries and manual resends), else X-Gitlab-Event-UUID.
 * Only the host's own headers count. The id is not covered by the signature (hosts sign the body
 * only), so it is used for nothing but recognising a repeat, and only after the signature passed.
 * A value that is not a plain token (over 200 characters, spaces, control characters) counts as
 * no id: the delivery is handled, as one from a host that sends none.
 */

const HEADERS: Readonly<Record<ForgeKind, readonly string[]>> = {
  github: ["x-github-delivery"],
  gitea: ["x-gitea-delivery", "x-forgejo-delivery"],
  gitlab: ["idempotency-key", "x-gitlab-event-uuid"],
};

const PLAIN_TOKEN = /^[\x21-\x7e]{1,200}$/;

export function deliveryId(kind: ForgeKind, header: HeaderGetter): string | null {
  for (const name of HEADERS[kind]) {
    const value = header(name)?.trim();
    if (value) return PLAIN_TOKEN.test(value) ? value : null;
  }
  return null;
}
