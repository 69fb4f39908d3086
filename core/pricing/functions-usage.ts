/**
 * What a DigitalOcean Functions workload costs per month: GiB-seconds (invocations × duration ×
 * memory) beyond the account's free allowance, at the catalog's price. Used to show what the
 * cost tracker itself costs to run. The allowance is per account, so other functions in the
 * same account share it; the estimate assumes this workload is the only one.
 */
import { roundUsd } from "../money";
import { defaultCatalog, type PriceCatalog } from "./catalog";
import type { CostComponent } from "./types";

export interface FunctionsWorkload {
  /** e.g. "hourly check". */
  name: string;
  invocationsPerMonth: number;
  /** Measured or expected wall time of one invocation. */
  averageDurationMs: number;
  /** The action's memory limit: DigitalOcean bills the limit, not the use. */
  memoryMb: number;
}

export interface FunctionsUsageEstimate {
  gibSeconds: number;
  freeGiBSeconds: number;
  billableGiBSeconds: number;
  monthlyUsd: number;
  components: CostComponent[];
}

export function estimateFunctionsUsage(workloads: readonly FunctionsWorkload[], catalog: PriceCatalog = defaultCatalog): FunctionsUsageEstimate {
  const { freeGiBSecondsPerMonth, usdPerGiBSecond } = catalog.data.functions;
  const components: CostComponent[] = workloads.map((w) => {
    const gibSeconds = w.invocationsPerMonth * (w.averageDurationMs / 1000) * (w.memoryMb / 1024);
    return {
      name: `${w.name}: ${Math.round(w.invocationsPerMonth)} runs × ${w.averageDurationMs / 1000} s × ${w.memoryMb} MB`,
      unit: "GiB-seconds",
      quantity: gibSeconds,
      unitPriceUsd: usdPerGiBSecond,
      monthlyUsd: roundUsd(gibSeconds * usdPerGiBSecond),
      note: `before the free ${freeGiBSecondsPerMonth.toLocaleString("en-US")} GiB-seconds per month`,
      sourceKind: catalog.sectionSource("functions").sourceKind,
    };
  });
  const gibSeconds = components.reduce((sum, c) => sum + (c.quantity ?? 0), 0);
  const billableGiBSeconds = Math.max(0, gibSeconds - freeGiBSecondsPerMonth);
  return { gibSeconds, freeGiBSeconds: freeGiBSecondsPerMonth, billableGiBSeconds, monthlyUsd: roundUsd(billableGiBSeconds * usdPerGiBSecond), components };
}
