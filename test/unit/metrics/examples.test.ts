import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { Metrics } from "../../../src/metrics/metrics.js";

/** The alert rules and the dashboard in examples/ name metrics and labels that slashbuild exports. */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

function exported(): Map<string, readonly string[]> {
  const metrics = new Metrics({
    queue: () => ({ depth: 0, oldestCreatedAt: null }),
    sink: "webhook",
    outbox: () => ({ pending: 0, oldestCreatedAt: null }),
    checks: async () => [],
  });
  const names = new Map<string, readonly string[]>();
  for (const metric of metrics.registry.getMetricsAsArray()) {
    const { name, labelNames } = metric as unknown as { name: string; labelNames?: readonly string[] };
    const labels = labelNames ?? [];
    names.set(name, labels);
    // What Prometheus stores for a histogram.
    names.set(`${name}_bucket`, [...labels, "le"]);
    names.set(`${name}_count`, labels);
    names.set(`${name}_sum`, labels);
  }
  return names;
}

/** Every `slashbuild_*` metric in an expression, with the label names of its selector. */
function references(expr: string): { metric: string; labels: string[] }[] {
  return [...expr.matchAll(/(slashbuild_[a-z0-9_]+)(\{([^}]*)\})?/g)].map((m) => ({
    metric: m[1] as string,
    labels: [...(m[3] ?? "").matchAll(/([a-z_]+)\s*(=~|!=|!~|=)/g)].map((l) => l[1] as string),
  }));
}

function expectExported(exprs: readonly string[]): void {
  const known = exported();
  const seen = exprs.flatMap(references);
  expect(seen.length).toBeGreaterThan(0);
  for (const { metric, labels } of seen) {
    expect(known.has(metric), `${metric} is not exported by slashbuild`).toBe(true);
    for (const label of labels) expect(known.get(metric), `${metric} has no label ${label}`).toContain(label);
  }
}

describe("examples/prometheus/alerts.yaml", () => {
  const rules = (
    parse(readFileSync(path.join(ROOT, "examples/prometheus/alerts.yaml"), "utf8")) as {
      groups: { rules: { alert: string; expr: string; for?: string }[] }[];
    }
  ).groups.flatMap((g) => g.rules);

  it("has the alerts the README promises", () => {
    const byName = new Map(rules.map((r) => [r.alert, r]));
    expect(byName.get("SlashbuildDeliveryStuck")?.expr).toContain("> 300");
    expect(byName.get("SlashbuildQueueTooOld")?.expr).toContain("slashbuild_queue_oldest_age_seconds");
    expect(byName.get("SlashbuildBuildbotUnreachable")?.expr).toContain('check="buildbot"');
  });

  it("references only metrics and labels that exist", () => {
    expectExported(rules.map((r) => r.expr));
  });

  it("would catch a renamed metric", () => {
    expect(() => expectExported(["slashbuild_outbox_oldest_age_seconds > 300"])).toThrow("not exported");
    expect(() => expectExported(['slashbuild_check_up{backend="buildbot"} == 0'])).toThrow(
      "no label backend",
    );
  });
});

describe("examples/grafana/slashbuild-dashboard.json", () => {
  it("is a dashboard whose queries reference only metrics and labels that exist", () => {
    const dashboard = JSON.parse(
      readFileSync(path.join(ROOT, "examples/grafana/slashbuild-dashboard.json"), "utf8"),
    ) as { panels: { targets: { expr: string }[] }[] };
    expect(dashboard.panels.length).toBeGreaterThan(5);
    expectExported(dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)));
  });
});
