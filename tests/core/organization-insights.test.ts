import { insightsAsOf, insightsRanges, InsightsFold, UNKNOWN_SKU, type InsightsPoint } from "../../core/organization-insights";
import { UNASSIGNED_LABEL } from "../../core/tracker-settings";

const SHOP = "do:team:5b4a3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d";
const LAB = "do:team:c1d8e2f4-3a5b-4c6d-8e9f-0a1b2c3d4e5f";
const STRANGER = "do:team:9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
const TEAMS = [
  { name: "shop", urn: SHOP },
  { name: "lab", urn: LAB },
];

const point = (urn: string | undefined, date: string, amount: string, sku?: string): InsightsPoint => ({ ...(urn ? { usage_team_urn: urn } : {}), start_date: date, total_amount: amount, ...(sku ? { sku } : {}) });

describe("InsightsFold", () => {
  it("splits an organisation's data points by team and day in whole cents, page by page, matching URNs case aside", () => {
    const fold = new InsightsFold(TEAMS);
    fold.add([point(SHOP, "2026-03-01", "0.10", "1-DROPLETS"), point(SHOP, "2026-03-01", "0.20", "1-DROPLETS"), point(LAB.toUpperCase(), "2026-03-01", "1.05", "1-VOLUMES")]);
    fold.add([point(SHOP, "2026-03-02", "2.00", "1-VOLUMES")]);
    expect(fold.count).toBe(4);
    expect(fold.centsBetween("shop", "2026-03-01", "2026-03-31")).toBe(230);
    expect(fold.daysOf("shop").get("2026-03-01")).toEqual({ cents: 30, bySku: new Map([["1-DROPLETS", 30]]) });
    expect(fold.centsBetween("lab", "2026-03-01", "2026-03-01")).toBe(105);
    expect(fold.labels()).toEqual(["lab", "shop"]);
    expect(fold.latestDate()).toBe("2026-03-02");
    expect(fold.unknownUrns()).toEqual([]);
  });

  it("keeps spend of a team the config does not list, and of a point naming no team, under the unassigned label, remembering why", () => {
    const fold = new InsightsFold(TEAMS);
    fold.add([point(STRANGER, "2026-03-01", "4.00"), point(undefined, "2026-03-01", "1.00"), point(SHOP, "2026-03-01", "1.00")]);
    expect(fold.centsBetween(UNASSIGNED_LABEL, "2026-03-01", "2026-03-01")).toBe(500);
    expect(fold.daysOf(UNASSIGNED_LABEL).get("2026-03-01")!.bySku).toEqual(new Map([[UNKNOWN_SKU, 500]]));
    expect(fold.unknownUrns()).toEqual(["(no usage_team_urn)", STRANGER]);
  });

  it("names the data point whose date or amount cannot be read", () => {
    expect(() => new InsightsFold(TEAMS).add([point(SHOP, "2026-03-01", "1.00"), { usage_team_urn: SHOP, total_amount: "1.00" }])).toThrow('insights data_points[1].start_date must be a date like 2026-03-14 (got "")');
    expect(() => new InsightsFold(TEAMS).add([point(SHOP, "2026-03-01", "lots")])).toThrow(/insights data_points\[0\]\.total_amount/);
  });
});

describe("insightsRanges", () => {
  it.each([
    ["mid-month: the month so far", "2026-03-15T06:00:00Z", [["2026-03", "2026-03-01", "2026-03-15"]]],
    ["the 1st: the whole previous month too (its last night arrives after it ends)", "2026-04-01T00:30:00Z", [["2026-03", "2026-03-01", "2026-03-31"], ["2026-04", "2026-04-01", "2026-04-01"]]],
    ["the 3rd, the last day of grace", "2026-03-03T23:00:00Z", [["2026-02", "2026-02-01", "2026-02-28"], ["2026-03", "2026-03-01", "2026-03-03"]]],
    ["the 4th: the month so far", "2026-03-04T00:00:00Z", [["2026-03", "2026-03-01", "2026-03-04"]]],
  ])("%s", (_case, now, expected) => {
    const ranges = insightsRanges(new Date(now));
    expect(ranges.map((range) => [range.month, range.from, range.to])).toEqual(expected);
    // Each range within one month, so within the API's 31 days.
    for (const range of ranges) expect(range.from.slice(0, 7)).toBe(range.to.slice(0, 7));
  });
});

describe("insightsAsOf", () => {
  it.each([
    ["the end of the latest day covered", "2026-03-14", "2026-03-15T06:00:00Z", "2026-03-15T00:00:00.000Z"],
    ["no later than now, if a day still running is served", "2026-03-15", "2026-03-15T06:00:00Z", "2026-03-15T06:00:00.000Z"],
    ["the month's start when the insights cover none of it yet", "2026-03-31", "2026-04-01T05:00:00Z", "2026-04-01T00:00:00.000Z"],
    ["the month's start without any data", undefined, "2026-03-15T06:00:00Z", "2026-03-01T00:00:00.000Z"],
  ])("%s", (_case, latest, now, expected) => {
    expect(insightsAsOf(latest, now.slice(0, 7), new Date(now)).toISOString()).toBe(expected);
  });
});
