import { snapshotThen } from "../snapshot-provenance";
import { daysSince, suggestion, usd } from "../suggestion";
import type { AdviceRule, Suggestion } from "../types";

/**
 * A volume is billed by its provisioned size whether or not a droplet uses it
 * (docs.digitalocean.com/products/volumes/details/pricing/, read 2026-11-29).
 */
export const volumeUnattached: AdviceRule = {
  name: "volume-unattached",
  description: "Volumes attached to no droplet for days are billed for their full size; snapshot and delete them.",
  evaluate({ inventory, now, catalog, settings }) {
    const found: Suggestion[] = [];
    for (const volume of inventory.volumes) {
      if (volume.dropletIds.length > 0) continue;
      // Never attached since the store first saw it: count from its creation.
      const days = daysSince(volume.unattachedSince ?? volume.createdAt, now);
      if (days === undefined || days < settings.volumeUnattachedDays) continue;
      const volumeUsd = volume.sizeGiB * catalog.data.volumes.usdPerGiBMonth;
      const snapshotUsd = volume.sizeGiB * catalog.data.snapshots.usdPerGiBMonth;
      found.push(
        suggestion("volume-unattached", { kind: "volume", id: volume.id, name: volume.name }, {
          action: snapshotThen("delete"),
          reason: `attached to no droplet for ${days} days (≥ ${settings.volumeUnattachedDays}); ${volume.sizeGiB} GiB costs ${usd(volumeUsd)}/month, a snapshot of it at most ${usd(snapshotUsd)}/month`,
          monthlySavingsUsd: volumeUsd - snapshotUsd,
          evidence: { sizeGiB: volume.sizeGiB, unattachedSince: volume.unattachedSince ?? volume.createdAt },
        }),
      );
    }
    return found;
  },
};
