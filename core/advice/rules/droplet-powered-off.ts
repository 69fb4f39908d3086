import { unknownDropletSize } from "../../pricing";
import { snapshotThen } from "../snapshot-provenance";
import { suggestion, daysSince, usd } from "../suggestion";
import type { AdviceRule, Suggestion } from "../types";

/**
 * A powered-off droplet is billed in full: DigitalOcean reserves its CPU, memory and disk while
 * it is off ("You are still billed for a powered-off Droplet", docs.digitalocean.com/products/droplets/,
 * read 2026-11-29). A snapshot keeps the disk for its per-GiB price; destroying saves the rest.
 */
export const dropletPoweredOff: AdviceRule = {
  name: "droplet-powered-off",
  description: "Droplets powered off for days are still billed in full; snapshot and destroy them.",
  evaluate({ inventory, now, catalog, settings }) {
    const found: Suggestion[] = [];
    for (const droplet of inventory.droplets) {
      const offDays = droplet.status === "off" ? daysSince(droplet.offSince, now) : undefined;
      if (offDays === undefined || offDays < settings.poweredOffDays) continue;
      const price = catalog.dropletSize(droplet.sizeSlug)?.monthlyUsd ?? null;
      // The snapshot is billed on the data it holds, at most the disk: the disk is the safe bound.
      const snapshotUsd = droplet.diskGiB * catalog.data.snapshots.usdPerGiBMonth;
      found.push(
        suggestion("droplet-powered-off", { kind: "droplet", id: droplet.id, name: droplet.name }, {
          action: snapshotThen("destroy"),
          reason:
            `off for ${offDays} days (≥ ${settings.poweredOffDays}) and still billed ${usd(price)}/month as ${droplet.sizeSlug}` +
            `${price === null ? ` (${unknownDropletSize(droplet.sizeSlug, catalog)})` : ""}; a snapshot of its ${droplet.diskGiB} GiB disk costs at most ${usd(snapshotUsd)}/month`,
          monthlySavingsUsd: price === null ? null : price - snapshotUsd,
          evidence: { status: droplet.status, offSince: droplet.offSince ?? null, sizeSlug: droplet.sizeSlug, diskGiB: droplet.diskGiB },
        }),
      );
    }
    return found;
  },
};
