import { coversWindow, suggestion, usd } from "../suggestion";
import type { AdviceContext, AdviceRule, DropletFact, SizeFact, Suggestion, Utilisation } from "../types";

/** Utilisation on `size` if the same work ran there: percent of capacity scales with the capacity ratio. */
function scaledP95(used: Utilisation, from: DropletFact, to: SizeFact): { cpu: number; memory: number } {
  return { cpu: ((used.cpuP95Pct ?? 0) * from.vcpus) / to.vcpus, memory: ((used.memoryP95Pct ?? 0) * from.memoryMiB) / to.memoryMiB };
}

/**
 * The cheapest size the droplet can resize to that keeps p95 CPU and memory under the target.
 * DigitalOcean never shrinks a disk, so only sizes with at least the current disk are candidates
 * (docs.digitalocean.com/products/droplets/how-to/resize/, read 2026-11-29: "you cannot decrease
 * the disk size"); one with a larger disk is taken as a CPU/RAM-only resize, which keeps the disk
 * and so keeps later downsizes possible.
 */
function cheapestFit(droplet: DropletFact, used: Utilisation, context: AdviceContext): { size: SizeFact; monthlyUsd: number } | undefined {
  const { catalog, inventory, settings } = context;
  let best: { size: SizeFact; monthlyUsd: number } | undefined;
  for (const size of inventory.sizes) {
    if (size.slug === droplet.sizeSlug || !size.available || !size.regions.includes(droplet.region) || size.diskGiB < droplet.diskGiB) continue;
    const monthlyUsd = catalog.dropletSize(size.slug)?.monthlyUsd;
    if (monthlyUsd === undefined) continue;
    const scaled = scaledP95(used, droplet, size);
    if (scaled.cpu >= settings.resizeTargetP95Pct || scaled.memory >= settings.resizeTargetP95Pct) continue;
    if (!best || monthlyUsd < best.monthlyUsd) best = { size, monthlyUsd };
  }
  return best;
}

export const dropletIdleDownsize: AdviceRule = {
  name: "droplet-idle-downsize",
  description: "Droplets whose p95 CPU and memory would fit a cheaper size with headroom; resize them.",
  evaluate(context) {
    const found: Suggestion[] = [];
    for (const droplet of context.inventory.droplets) {
      const used = context.utilisation.droplets.get(droplet.id);
      // Memory needs DigitalOcean's metrics agent; without it there is no evidence the work fits.
      if (droplet.status !== "active" || !used || used.cpuP95Pct === undefined || used.memoryP95Pct === undefined || !coversWindow(used.coveredHours, context)) continue;
      const current = context.catalog.dropletSize(droplet.sizeSlug)?.monthlyUsd;
      const fit = cheapestFit(droplet, used, context);
      if (current === undefined || !fit || fit.monthlyUsd >= current) continue;
      const scaled = scaledP95(used, droplet, fit.size);
      const cpuRamOnly = fit.size.diskGiB > droplet.diskGiB;
      found.push(
        suggestion("droplet-idle-downsize", { kind: "droplet", id: droplet.id, name: droplet.name }, {
          action: `resize to ${fit.size.slug}${cpuRamOnly ? " (CPU/RAM-only resize: keep the disk)" : ""}`,
          reason:
            `p95 CPU ${used.cpuP95Pct.toFixed(1)}% and memory ${used.memoryP95Pct.toFixed(1)}% over ${context.settings.lookbackDays} days on ${droplet.sizeSlug} ` +
            `(${droplet.vcpus} vCPU, ${droplet.memoryMiB / 1024} GiB) would be ${scaled.cpu.toFixed(1)}% and ${scaled.memory.toFixed(1)}% on ${fit.size.slug} ` +
            `(${fit.size.vcpus} vCPU, ${fit.size.memoryMiB / 1024} GiB), under ${context.settings.resizeTargetP95Pct}%; ${usd(current)} → ${usd(fit.monthlyUsd)}/month`,
          monthlySavingsUsd: current - fit.monthlyUsd,
          evidence: { sizeSlug: droplet.sizeSlug, cpuP95Pct: Math.round(used.cpuP95Pct), memoryP95Pct: Math.round(used.memoryP95Pct), targetSlug: fit.size.slug },
        }),
      );
    }
    return found;
  },
};
