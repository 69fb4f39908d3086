import { estimateResource } from "../../pricing";
import { coversWindow, suggestion, usd } from "../suggestion";
import type { AdviceContext, AdviceRule, DatabaseFact, Suggestion } from "../types";

const DATABASE_TYPE = "digitalocean:index/databaseCluster:DatabaseCluster";

/** `db-s-2vcpu-4gb` → 2 vCPU, 4 GiB; the slugs spell their capacity (GET /v2/databases/options). */
function capacityOf(slug: string): { vcpus: number; memoryGiB: number } | undefined {
  const match = /-(\d+)vcpu-(\d+)gb\b/.exec(slug);
  return match ? { vcpus: Number(match[1]), memoryGiB: Number(match[2]) } : undefined;
}

function monthlyUsd(database: DatabaseFact, sizeSlug: string, context: AdviceContext): number | null {
  return estimateResource(DATABASE_TYPE, { engine: database.engine, size: sizeSlug, nodeCount: database.numNodes }, context.catalog).monthlyUsd;
}

/**
 * The next smaller size of the same engine: the dearest size cheaper than the current one whose
 * capacity still keeps p95 CPU and memory under the resize target.
 */
function nextSmaller(database: DatabaseFact, cpuP95: number, memoryP95: number, context: AdviceContext): { slug: string; monthlyUsd: number } | undefined {
  const current = capacityOf(database.sizeSlug);
  const currentUsd = monthlyUsd(database, database.sizeSlug, context);
  const engine = context.catalog.databaseEngine(database.engine);
  if (!current || currentUsd === null || !engine) return undefined;
  let best: { slug: string; monthlyUsd: number } | undefined;
  for (const size of engine.sizes) {
    const capacity = capacityOf(size.slug);
    const price = monthlyUsd(database, size.slug, context);
    if (!capacity || price === null || price >= currentUsd) continue;
    const target = context.settings.resizeTargetP95Pct;
    if ((cpuP95 * current.vcpus) / capacity.vcpus >= target || (memoryP95 * current.memoryGiB) / capacity.memoryGiB >= target) continue;
    if (!best || price > best.monthlyUsd) best = { slug: size.slug, monthlyUsd: price };
  }
  return best;
}

/** Ties in with the `cpuLow` database monitor alert: the same "under-used" line, acted upon. */
export const databaseOversized: AdviceRule = {
  name: "database-oversized",
  description: "Managed databases with low p95 CPU and memory; move them to the next smaller size.",
  evaluate(context) {
    const found: Suggestion[] = [];
    const { databaseCpuLowPct, databaseMemoryLowPct, lookbackDays } = context.settings;
    for (const database of context.inventory.databases) {
      const used = context.utilisation.databases.get(database.id);
      if (!used || used.cpuP95Pct === undefined || used.memoryP95Pct === undefined || !coversWindow(used.coveredHours, context)) continue;
      if (used.cpuP95Pct >= databaseCpuLowPct || used.memoryP95Pct >= databaseMemoryLowPct) continue;
      const current = monthlyUsd(database, database.sizeSlug, context);
      const next = nextSmaller(database, used.cpuP95Pct, used.memoryP95Pct, context);
      if (current === null || !next) continue;
      found.push(
        suggestion("database-oversized", { kind: "database", id: database.id, name: database.name }, {
          action: `resize to ${next.slug}`,
          reason:
            `p95 CPU ${used.cpuP95Pct.toFixed(1)}% (< ${databaseCpuLowPct}%) and memory ${used.memoryP95Pct.toFixed(1)}% (< ${databaseMemoryLowPct}%) over ${lookbackDays} days on ` +
            `${database.numNodes} × ${database.sizeSlug}; ${usd(current)} → ${usd(next.monthlyUsd)}/month`,
          monthlySavingsUsd: current - next.monthlyUsd,
          evidence: { sizeSlug: database.sizeSlug, numNodes: database.numNodes, cpuP95Pct: Math.round(used.cpuP95Pct), memoryP95Pct: Math.round(used.memoryP95Pct), targetSlug: next.slug },
        }),
      );
    }
    return found;
  },
};
