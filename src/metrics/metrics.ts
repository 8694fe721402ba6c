import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { Build } from "../core/build.js";
import type { Clock } from "../core/ports.js";

/**
 * slashbuild's Prometheus metrics (prom-client), one registry per app so tests and several apps in
 * one process never share counters. Gauges about stored state (queue, outbox, readiness) are read
 * at scrape time from their sources, so they are right after a restart too.
 * The names are a contract: examples/prometheus/alerts.yaml and the Grafana dashboard use them,
 * and a test checks that every metric they reference exists here.
 */

/** A peer whose error answers are counted: "buildbot", or a chat platform by its name ("mattermost"). */
export type Peer = string;

export interface QueueSnapshot {
  readonly depth: number;
  /** created_at of the oldest queued build, or null when nothing is queued. */
  readonly oldestCreatedAt: number | null;
}

export interface OutboxSnapshot {
  readonly pending: number;
  readonly oldestCreatedAt: number | null;
}

export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
}

export interface MetricsSources {
  readonly clock?: Clock;
  readonly queue: () => QueueSnapshot;
  /** Where status posts go: webhook, bot or console (the outbox has one sink per process). */
  readonly sink: string;
  readonly outbox: () => OutboxSnapshot;
  /** The /readyz checks, run at scrape time. */
  readonly checks?: () => Promise<readonly CheckResult[]>;
}

/**
 * How a build came to be, for the `trigger` label: what nobody typed (push, pull_request,
 * schedule) by its stored trigger, then web, rebuild and chat. A rebuild never carries the
 * original's trigger (someone asked for it), so it counts as a rebuild.
 */
export function triggerOf(build: Pick<Build, "channelId" | "rebuildOf" | "trigger">): string {
  if (build.trigger) return build.trigger.kind;
  if (build.channelId === "web") return "web";
  return build.rebuildOf === null ? "chat" : "rebuild";
}

const seconds = (ms: number) => Math.max(0, ms) / 1000;

export class Metrics {
  readonly registry = new Registry();
  readonly buildsStarted: Counter<"repo" | "trigger" | "backend">;
  readonly buildsFinished: Counter<"repo" | "trigger" | "result">;
  readonly slashAck: Histogram;
  readonly deliveryLatency: Histogram<"sink">;
  readonly upstreamErrors: Counter<"peer" | "status">;
  readonly sandboxStartFailures: Counter<"repo">;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    const clock = sources.clock ?? Date.now;
    collectDefaultMetrics({ register: this.registry, prefix: "slashbuild_" });
    this.buildsStarted = new Counter({
      name: "slashbuild_builds_started_total",
      help: "Builds that began running, by repo, trigger (chat, rebuild, web, push, pull_request, schedule) and backend.",
      labelNames: ["repo", "trigger", "backend"],
      registers,
    });
    this.buildsFinished = new Counter({
      name: "slashbuild_builds_finished_total",
      help: "Builds that ended, by repo, trigger and result (succeeded, failed, cancelled, timed_out, interrupted).",
      labelNames: ["repo", "trigger", "result"],
      registers,
    });
    new Gauge({
      name: "slashbuild_queue_depth",
      help: "Builds queued and not yet running.",
      registers,
      collect() {
        this.set(sources.queue().depth);
      },
    });
    new Gauge({
      name: "slashbuild_queue_oldest_age_seconds",
      help: "How long the oldest queued build has waited; 0 when nothing is queued.",
      registers,
      collect() {
        const { oldestCreatedAt } = sources.queue();
        this.set(oldestCreatedAt === null ? 0 : seconds(clock() - oldestCreatedAt));
      },
    });
    // Mattermost gives a slash command 3 s: the buckets straddle that limit.
    this.slashAck = new Histogram({
      name: "slashbuild_slash_ack_seconds",
      help: "Time from a slash command's arrival to slashbuild's answer.",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5],
      registers,
    });
    new Gauge({
      name: "slashbuild_outbox_pending",
      help: "Status posts stored and not yet accepted by the chat, per sink.",
      labelNames: ["sink"],
      registers,
      collect() {
        this.set({ sink: sources.sink }, sources.outbox().pending);
      },
    });
    new Gauge({
      name: "slashbuild_outbox_oldest_pending_age_seconds",
      help: "Age of the oldest status post not yet accepted, per sink; 0 when none is pending.",
      labelNames: ["sink"],
      registers,
      collect() {
        const { oldestCreatedAt } = sources.outbox();
        this.set({ sink: sources.sink }, oldestCreatedAt === null ? 0 : seconds(clock() - oldestCreatedAt));
      },
    });
    this.deliveryLatency = new Histogram({
      name: "slashbuild_delivery_latency_seconds",
      help: "Time from the event (post stored) to its acceptance by the chat, per sink.",
      labelNames: ["sink"],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900],
      registers,
    });
    this.upstreamErrors = new Counter({
      name: "slashbuild_upstream_error_responses_total",
      help: "429 and 5xx answers received from Mattermost and Buildbot (status is 429 or 5xx).",
      labelNames: ["peer", "status"],
      registers,
    });
    this.sandboxStartFailures = new Counter({
      name: "slashbuild_sandbox_start_failures_total",
      help: "Build steps whose sandboxed process could not be started, by repo.",
      labelNames: ["repo"],
      registers,
    });
    const checks = sources.checks;
    if (checks) {
      new Gauge({
        name: "slashbuild_check_up",
        help: "The /readyz checks (database, disk, mattermost, buildbot): 1 passing, 0 failing.",
        labelNames: ["check"],
        registers,
        async collect() {
          this.reset();
          for (const check of await checks()) this.set({ check: check.name }, check.ok ? 1 : 0);
        },
      });
    }
  }

  buildStarted(build: Build): void {
    this.buildsStarted.inc({ repo: build.repo, trigger: triggerOf(build), backend: build.backend });
  }

  buildFinished(build: Build): void {
    this.buildsFinished.inc({ repo: build.repo, trigger: triggerOf(build), result: build.status });
  }

  /** Counts a peer's answer if it is a 429 or a 5xx. */
  answered(peer: Peer, status: number): void {
    if (status === 429) this.upstreamErrors.inc({ peer, status: "429" });
    else if (status >= 500 && status <= 599) this.upstreamErrors.inc({ peer, status: "5xx" });
  }
}

/** A fetch that reports every answer's status to `metrics` (for 429/5xx counts) and changes nothing else. */
export function countingFetch(inner: typeof fetch, peer: Peer, metrics: Metrics): typeof fetch {
  return async (input, init) => {
    const response = await inner(input, init);
    metrics.answered(peer, response.status);
    return response;
  };
}
