/**
 * Each advice rule over one account: it fires on its case and on none of the healthy twins, and
 * its saving is what core/pricing charges for what is removed or downsized.
 */
import { ADVICE_RULES, resolveAdviceSettings, ruleRegistry, runAdvice, type AdviceContext, type AdviceRule } from "../../../core/advice";
import { RULES_BY_KIND } from "../../../alerts/rules";
import { defaultCatalog as catalog } from "../../../core/pricing";
import { REQUIRE_TAGS_DEFAULTS } from "../../../core/tags";
import { INVENTORY, NOW, UTILISATION } from "./account-fixture";

const context: AdviceContext = {
  inventory: INVENTORY,
  utilisation: UTILISATION,
  now: NOW,
  catalog,
  settings: resolveAdviceSettings({ requireTags: { requiredKeys: ["env", "service", "owner"], allowedValues: { env: ["prod"] } } }),
};

const droplet = (slug: string) => catalog.dropletSize(slug)!.monthlyUsd;
const dbNode = (slug: string) => catalog.databaseSize("pg", slug)!.monthlyUsdPerNode;
const { snapshots, volumes, reservedIps } = catalog.data;
const cents = (usd: number) => Math.round(usd * 100) / 100;

/** rule → the resources it must report, with the saving each must carry (null: none claimed). */
const EXPECTED: Record<string, Record<string, number | null>> = {
  "droplet-powered-off": { "101": droplet("s-2vcpu-4gb") - 80 * snapshots.usdPerGiBMonth },
  "droplet-idle-downsize": { "103": droplet("s-4vcpu-8gb") - droplet("s-1vcpu-2gb") },
  "volume-unattached": { "vol-old": 100 * (volumes.usdPerGiBMonth - snapshots.usdPerGiBMonth) },
  "reserved-ip-unassigned": { "127.0.0.21": reservedIps.unassignedMonthlyUsd },
  "snapshot-old": { "snap-old": 40 * snapshots.usdPerGiBMonth, "snap-orphan": 20 * snapshots.usdPerGiBMonth },
  "load-balancer-idle": { "lb-empty": catalog.loadBalancerType("REGIONAL")!.monthlyUsd!, "lb-quiet": 2 * catalog.loadBalancerType("REGIONAL")!.monthlyUsd! },
  "database-oversized": { "db-reports": 2 * (dbNode("db-s-4vcpu-8gb") - dbNode("db-s-2vcpu-4gb")) },
  untagged: { "107": null, "108": null },
};

describe("advice rules over the fixture account", () => {
  it("registers every expected rule exactly once", () => {
    expect(ADVICE_RULES.map((rule) => rule.name).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(ADVICE_RULES.map((rule) => [rule.name, rule] as [string, AdviceRule]))("%s fires on its cases only, with the catalog's savings", (name, rule) => {
    const found = rule.evaluate(context);
    const savings = Object.fromEntries(found.map((s) => [s.resource.id, s.monthlySavingsUsd]));
    const expected = Object.fromEntries(Object.entries(EXPECTED[name]).map(([id, usd]) => [id, usd === null ? null : cents(usd)]));
    expect(savings).toEqual(expected);
    for (const s of found) {
      expect(s.rule).toBe(name);
      expect(s.id).toBe(`${name}:${s.resource.kind}:${s.resource.id}`);
      expect(s.reason.length).toBeGreaterThan(10);
    }
  });

  it("says which size and why, with the numbers", () => {
    const [idle] = ADVICE_RULES.find((r) => r.name === "droplet-idle-downsize")!.evaluate(context);
    // The disk is 25 GiB after an earlier CPU/RAM-only resize: s-1vcpu-1gb has the memory too small, s-1vcpu-2gb fits.
    expect(idle.action).toBe("resize to s-1vcpu-2gb (CPU/RAM-only resize: keep the disk)");
    expect(idle.reason).toContain("p95 CPU 5.0% and memory 10.0%");
    expect(idle.reason).toContain("would be 20.0% and 40.0% on s-1vcpu-2gb");
    const [db] = ADVICE_RULES.find((r) => r.name === "database-oversized")!.evaluate(context);
    expect(db.action).toBe("resize to db-s-2vcpu-4gb");
    const untaggedReasons = ADVICE_RULES.find((r) => r.name === "untagged")!.evaluate(context).map((s) => s.reason);
    expect(untaggedReasons).toEqual(["missing owner, so its spend cannot be allocated", "env:staging is not one of prod, so its spend cannot be allocated"]);
  });

  it("never invents a saving: an unknown size prices as null, not 0", () => {
    const offUnknown = { ...INVENTORY, droplets: [{ ...INVENTORY.droplets[0], sizeSlug: "s-99vcpu-unknown" }] };
    const [found] = ADVICE_RULES.find((r) => r.name === "droplet-powered-off")!.evaluate({ ...context, inventory: offUnknown });
    expect(found.monthlySavingsUsd).toBeNull();
    expect(found.reason).toContain("an unknown price");
  });

  it("says why a droplet on a retired size has no price", () => {
    const offRetired = { ...INVENTORY, droplets: [{ ...INVENTORY.droplets[0], sizeSlug: "4gb" }] };
    const [found] = ADVICE_RULES.find((r) => r.name === "droplet-powered-off")!.evaluate({ ...context, inventory: offRetired });
    expect(found.monthlySavingsUsd).toBeNull();
    expect(found.reason).toMatch(/billed an unknown price\/month as 4gb \(retired droplet size slug '4gb': legacy Standard size slug/);
  });

  it("moves with its settings: a longer powered-off limit spares the 10-day droplet", () => {
    const rule = ADVICE_RULES.find((r) => r.name === "droplet-powered-off")!;
    expect(rule.evaluate({ ...context, settings: { ...context.settings, poweredOffDays: 11 } })).toEqual([]);
  });
});

describe("runAdvice", () => {
  it("sorts by saving, lists unknown savings last and totals only the known ones", () => {
    const report = runAdvice(context);
    const known = report.suggestions.map((s) => s.monthlySavingsUsd).filter((usd): usd is number => usd !== null);
    expect(known).toEqual([...known].sort((a, b) => b - a));
    expect(report.suggestions.slice(-2).map((s) => s.rule)).toEqual(["untagged", "untagged"]);
    const expectedTotal = Object.values(EXPECTED).flatMap((byId) => Object.values(byId)).reduce<number>((sum, usd) => sum + Math.round((usd ?? 0) * 100), 0) / 100;
    expect(report.totalMonthlySavingsUsd).toBe(expectedTotal);
  });

  it("keeps suggestion ids stable from run to run", () => {
    expect(runAdvice(context).suggestions.map((s) => s.id)).toEqual(runAdvice({ ...context, now: new Date(NOW.getTime() + 3_600_000) }).suggestions.map((s) => s.id));
  });

  it("refuses a registry with a rule twice", () => {
    expect(() => ruleRegistry([ADVICE_RULES[0], ADVICE_RULES[0]])).toThrow("advice rule droplet-powered-off is registered twice");
  });
});

describe("advice settings", () => {
  it("calls a database under-used where the cpuLow monitor alert does", () => {
    expect(resolveAdviceSettings().databaseCpuLowPct).toBe(RULES_BY_KIND.database.cpuLow.defaultThreshold);
  });

  it("requires the tags the policy pack requires by default", () => {
    expect(resolveAdviceSettings().requireTags).toBe(REQUIRE_TAGS_DEFAULTS);
  });
});
