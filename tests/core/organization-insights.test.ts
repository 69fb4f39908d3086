import { insightsAsOf, insightsRanges, insightsReadPlan, InsightsFold, UNKNOWN_SKU, type InsightsPoint } from "../../core/organization-insights";
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
    expect([fold.pointsOn("shop", "2026-03-01"), fold.pointsOn("lab", "2026-03-01"), fold.pointsOn("lab", "2026-03-02")]).toEqual([2, 1, 0]);
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

describe("insightsReadPlan", () => {
  /** Every day from `from` to `to` read at `at`. */
  const readFrom = (from: string, to: string, at: string, into = new Map<string, Date>()): Map<string, Date> => {
    for (let day = new Date(`${from}T00:00:00Z`); day.toISOString().slice(0, 10) <= to; day = new Date(day.getTime() + 86_400_000)) into.set(day.toISOString().slice(0, 10), new Date(at));
    return into;
  };
  const days = (from: number, to: number, month = "2026-03") => Array.from({ length: to - from + 1 }, (_, i) => `${month}-${String(from + i).padStart(2, "0")}`);

  it.each([
    ["nothing stored: every day of the month before today, oldest first", "2026-03-15T06:00:00Z", new Map<string, Date>(), days(1, 14)],
    ["a read cut short: only the days it did not reach", "2026-03-15T07:00:00Z", readFrom("2026-03-01", "2026-03-05", "2026-03-15T06:00:00Z"), days(6, 14)],
    ["everything read an hour ago: nothing (no read is due)", "2026-03-15T07:00:00Z", readFrom("2026-03-01", "2026-03-14", "2026-03-15T06:00:00Z"), []],
    ["everything read 12 hours ago: the two days that may still change", "2026-03-15T18:00:00Z", readFrom("2026-03-01", "2026-03-14", "2026-03-15T06:00:00Z"), ["2026-03-13", "2026-03-14"]],
    ["11 hours ago: not yet", "2026-03-15T17:59:59Z", readFrom("2026-03-01", "2026-03-14", "2026-03-15T06:00:00Z"), []],
    ["the next day: the new day, and the day before it re-read; the day that is now final not", "2026-03-16T06:00:00Z", readFrom("2026-03-01", "2026-03-14", "2026-03-15T18:00:00Z"), ["2026-03-14", "2026-03-15"]],
    ["the 1st: the previous month's days never read, and its last two re-read", "2026-04-01T06:00:00Z", readFrom("2026-03-01", "2026-03-29", "2026-03-30T06:00:00Z", readFrom("2026-03-30", "2026-03-30", "2026-03-31T06:00:00Z")), ["2026-03-30", "2026-03-31"]],
    ["the 3rd: the previous month's last two days still re-read, with the month's first two", "2026-04-03T06:00:00Z", readFrom("2026-03-01", "2026-04-02", "2026-04-02T18:00:00Z"), ["2026-03-30", "2026-03-31", "2026-04-01", "2026-04-02"]],
    ["the 4th: the previous month is final", "2026-04-04T06:00:00Z", readFrom("2026-03-01", "2026-04-03", "2026-04-03T18:00:00Z"), ["2026-04-02", "2026-04-03"]],
    ["the 1st of a month never read: the whole previous month", "2026-04-01T00:30:00Z", new Map<string, Date>(), days(1, 31)],
  ])("%s", (_case, now, readAt, expected) => {
    expect(insightsReadPlan(new Date(now), readAt, 12)).toEqual(expected);
  });

  it("never plans today, whose insights arrive the night after it", () => {
    for (const now of ["2026-03-01T00:00:00Z", "2026-03-15T23:59:59Z", "2026-04-03T12:00:00Z"]) expect(insightsReadPlan(new Date(now), new Map(), 12)).not.toContain(now.slice(0, 10));
  });
});
