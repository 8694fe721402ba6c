import { formatDuration } from "./format-duration.js";
import type { HealthFacts } from "./ports.js";

/**
 * `/build health` in one short message: the verdict first, then each /readyz check by name, then
 * the queue and the outbox, e.g.
 * "slashbuild is **ready**: database ok (writable) · disk ok (40.1 GB free in /var/lib/slashbuild) ·
 *  buildbot ok (reachable) · queue 2, oldest waiting 3m · outbox 0 pending".
 */
export function formatHealth(facts: HealthFacts): string {
  const verdict = facts.ready ? "slashbuild is **ready**" : "slashbuild is **not ready**";
  const checks = facts.checks.map((c) => `${c.name} ${c.ok ? "ok" : "**FAILING**"} (${c.detail})`);
  const queue =
    facts.queue.depth === 0
      ? "queue empty"
      : `queue ${facts.queue.depth}, oldest waiting ${formatDuration(facts.queue.oldestAgeMs ?? 0)}`;
  const outbox =
    facts.outbox.pending === 0
      ? "outbox 0 pending"
      : `outbox ${facts.outbox.pending} pending, oldest ${formatDuration(facts.outbox.oldestAgeMs ?? 0)}`;
  return `${verdict}: ${[...checks, queue, outbox].join(" · ")}`;
}
