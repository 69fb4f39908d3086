import { daysSince, suggestion, usd } from "../suggestion";
import type { AdviceRule, Suggestion } from "../types";

/** Reserved IPs are free while assigned and billed while not (core/pricing `reservedIps`). */
export const reservedIpUnassigned: AdviceRule = {
  name: "reserved-ip-unassigned",
  description: "Reserved IPs assigned to no droplet are billed; release them.",
  evaluate({ inventory, now, catalog, settings }) {
    const found: Suggestion[] = [];
    const price = catalog.data.reservedIps.unassignedMonthlyUsd;
    for (const ip of inventory.reservedIps) {
      const days = ip.dropletId === null ? daysSince(ip.unassignedSince, now) : undefined;
      if (days === undefined || days < settings.reservedIpUnassignedDays) continue;
      found.push(
        suggestion("reserved-ip-unassigned", { kind: "reservedIp", id: ip.ip, name: `${ip.ip} (${ip.region})` }, {
          action: "release",
          reason: `assigned to no droplet for ${days} days (≥ ${settings.reservedIpUnassignedDays}); an unassigned reserved IP costs ${usd(price)}/month`,
          monthlySavingsUsd: price,
          evidence: { unassignedSince: ip.unassignedSince ?? null },
        }),
      );
    }
    return found;
  },
};
