import { snapshotPurpose } from "../snapshot-provenance";
import { daysSince, suggestion, usd } from "../suggestion";
import type { AdviceRule, Suggestion } from "../types";

/**
 * Snapshots are billed per GiB-month for as long as they exist (core/pricing `snapshots`). One kept
 * on purpose (core/advice/snapshot-provenance.ts) is left alone until `snapshotRetentionDays`.
 */
export const snapshotOld: AdviceRule = {
  name: "snapshot-old",
  description: "Snapshots older than the limit, or whose droplet or volume no longer exists; delete the ones nobody restores from.",
  evaluate({ inventory, now, catalog, settings }) {
    const found: Suggestion[] = [];
    const droplets = new Set(inventory.droplets.map((d) => d.id));
    const volumes = new Set(inventory.volumes.map((v) => v.id));
    for (const snapshot of inventory.snapshots) {
      const age = daysSince(snapshot.createdAt, now);
      const purpose = snapshotPurpose(snapshot);
      // Kept on purpose: not waste until the retention has passed (an unreadable date is not "past").
      if (purpose !== undefined && (age === undefined || age <= settings.snapshotRetentionDays)) continue;
      const orphaned = !(snapshot.resourceType === "droplet" ? droplets : volumes).has(snapshot.resourceId);
      const old = age !== undefined && age > settings.snapshotMaxAgeDays;
      if (!old && !orphaned) continue;
      const price = snapshot.sizeGiB * catalog.data.snapshots.usdPerGiBMonth;
      const why = [
        purpose !== undefined ? `${purpose} ${age} days ago, kept ${settings.snapshotRetentionDays} days on purpose (now past)` : "",
        old ? `${age} days old (> ${settings.snapshotMaxAgeDays})` : "",
        orphaned ? `its ${snapshot.resourceType} ${snapshot.resourceId} no longer exists` : "",
      ]
        .filter(Boolean)
        .join("; ");
      found.push(
        suggestion("snapshot-old", { kind: "snapshot", id: snapshot.id, name: snapshot.name }, {
          action: "delete (after checking nothing restores from it)",
          reason: `${why}; ${snapshot.sizeGiB} GiB costs ${usd(price)}/month`,
          monthlySavingsUsd: price,
          evidence: { createdAt: snapshot.createdAt, sizeGiB: snapshot.sizeGiB, orphaned, keptOnPurpose: purpose !== undefined },
        }),
      );
    }
    return found;
  },
};
