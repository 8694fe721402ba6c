import type { RepoConfig } from "../config/config.js";
import { SlashbuildError } from "../core/errors.js";
import { matchRepos } from "../core/triggers/match-repo.js";
import type { ForgeEvent } from "../core/triggers/trigger.js";
import type { ConfiguredForge } from "./configured-forges.js";
import type { HeaderGetter } from "./forge-host.js";
import { matchSecret } from "./verify-signature.js";

/**
 * A webhook delivery, from raw bytes to "these repos, this event", in the only safe order:
 * 1. the signature, on the raw body, against every secret that could have signed it;
 * 2. only then the body is parsed and decoded;
 * 3. the repos named by the payload are kept only if the secret that signed it is theirs, so a
 *    repo's own secret cannot be used to trigger builds of another repo.
 * What is particular to a host (its headers, signature, payloads) is its ForgeHost's. Pure apart
 * from crypto; the Fastify route only translates the outcome into a status code.
 */

export type Decoded =
  | { readonly kind: "unauthenticated" }
  | { readonly kind: "ping" }
  | { readonly kind: "ignored"; readonly why: string }
  | { readonly kind: "unknown_repo"; readonly fullName: string }
  | {
      readonly kind: "event";
      readonly event: Extract<ForgeEvent, { kind: "push" | "pull_request" }>;
      readonly repos: readonly RepoConfig[];
    };

export function decodeWebhook(
  { host, config: forge }: ConfiguredForge,
  repos: readonly RepoConfig[],
  header: HeaderGetter,
  body: Buffer,
  contentType: string,
): Decoded {
  const onForge = repos.filter((repo) => repo.forge === host.name);
  const secrets: { secret: string; owners: ReadonlySet<string> | null }[] = [];
  if (forge.webhookSecret) {
    // The receiver's secret speaks for every repo without one of its own.
    const owners = onForge.filter((repo) => !repo.webhookSecret).map((repo) => repo.name);
    secrets.push({ secret: forge.webhookSecret, owners: new Set(owners) });
  }
  for (const repo of onForge) {
    if (repo.webhookSecret) secrets.push({ secret: repo.webhookSecret, owners: new Set([repo.name]) });
  }
  const index = matchSecret(
    host.webhook,
    header,
    body,
    secrets.map((s) => s.secret),
  );
  const signer = index === null ? undefined : secrets[index];
  if (!signer) return { kind: "unauthenticated" };

  const eventName = host.webhook.eventHeaders.map(header).find((value) => !!value);
  if (!eventName) {
    throw new SlashbuildError(
      "REQUEST_INVALID",
      `no ${host.webhook.eventHeaders[0]} header: this URL takes ${host.displayNames.join(" and ")} webhooks only`,
    );
  }
  const payload = parseBody(body, contentType);
  const event = host.webhook.decode(eventName, payload);
  if (event.kind === "ping") return event;
  if (event.kind === "ignored") return { kind: "ignored", why: event.why };
  const matched = matchRepos(onForge, host.name, event.repo).filter((repo) =>
    // A repo whose secret also signed is fine even if another secret came first.
    secrets.some((s) => s.owners?.has(repo.name) && s.secret === signer.secret),
  );
  if (matched.length === 0) return { kind: "unknown_repo", fullName: event.repo.fullName };
  return { kind: "event", event, repos: matched };
}

function parseBody(body: Buffer, contentType: string): unknown {
  let text = body.toString("utf8");
  if (contentType.startsWith("application/x-www-form-urlencoded")) {
    // GitHub's and Gitea's "form" content type: the JSON in a field named payload.
    text = new URLSearchParams(text).get("payload") ?? "";
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new SlashbuildError(
      "REQUEST_INVALID",
      "the webhook body is not JSON: set the webhook's content type to application/json",
    );
  }
}
