import { UNASSIGNED_PROJECT, UNTAGGED, allocateCosts, allocationByTagKey, allocationRows, sumBreakdownCents, type InvoiceItem } from "../../core/allocation";
import { toCents } from "../../core/money";

const tags = new Map<string, string[]>([
  ["d1", ["env:prod", "team:payments"]],
  ["d2", ["env:staging"]],
  ["db1", ["env:prod", "team:payments", "team:search"]],
  ["v1", ["legacy"]], // a bare tag is not key:value
]);

const items: InvoiceItem[] = [
  { product: "Droplets", resourceUuid: "d1", projectName: "web", amountUsd: 24 },
  { product: "Droplets", resourceUuid: "d2", projectName: "web", amountUsd: 12 },
  { product: "Managed Databases", resourceUuid: "db1", projectName: "data", amountUsd: 60.01 },
  { product: "Load Balancers", resourceUuid: "lb1", projectName: "web", amountUsd: 12 }, // not taggable: no tags known
  { product: "Spaces", amountUsd: 5 },
  { product: "Volumes", resourceUuid: "v1", projectName: "", amountUsd: 1.5 },
  { product: "Credit", amountUsd: -1 },
];

/** Sum of a breakdown's parts in cents, so the comparison with the total is exact. */
const centsOf = (breakdown: Record<string, number>) => Object.values(breakdown).reduce((sum, usd) => sum + toCents(usd), 0);

describe("allocateCosts", () => {
  const result = allocateCosts(items, tags);

  it("totals the invoice: 24 + 12 + 60.01 + 12 + 5 + 1.50 − 1 = 113.51", () => {
    expect(result.totalUsd).toBe(113.51);
  });

  it("breaks down by product, largest first", () => {
    expect(Object.entries(result.byProduct)).toEqual([
      ["Managed Databases", 60.01],
      ["Droplets", 36], // 24 + 12
      ["Load Balancers", 12],
      ["Spaces", 5],
      ["Volumes", 1.5],
      ["Credit", -1],
    ]);
  });

  it("breaks down by project, with an unassigned bucket for missing or empty names", () => {
    // web 24 + 12 + 12 = 48; unassigned 5 + 1.50 − 1 = 5.50
    expect(result.byProject).toEqual({ data: 60.01, web: 48, [UNASSIGNED_PROJECT]: 5.5 });
  });

  it("breaks down each tag key, with an untagged bucket", () => {
    // env: prod 24 + 60.01 = 84.01; staging 12; untagged 12 + 5 + 1.50 − 1 = 17.50
    expect(result.byTagKey.env).toEqual({ prod: 84.01, [UNTAGGED]: 17.5, staging: 12 });
    // team: db1 has two teams: 6001 cents split 3001 / 3000, the extra cent to the first alphabetically.
    // payments 24 + 30.01 = 54.01; search 30.00; untagged 12 + 12 + 5 + 1.50 − 1 = 29.50
    expect(result.byTagKey.team).toEqual({ payments: 54.01, search: 30, [UNTAGGED]: 29.5 });
    expect(Object.keys(result.byTagKey)).toEqual(["env", "team"]);
  });

  it("reports the untagged share: (12 + 5 + 1.50 − 1) / 113.51", () => {
    expect(result.untaggedUsd).toBe(17.5);
    expect(result.untaggedShare).toBeCloseTo(17.5 / 113.51, 12);
  });

  it("has every breakdown add up to the total to the cent", () => {
    const total = toCents(result.totalUsd);
    expect(centsOf(result.byProduct)).toBe(total);
    expect(centsOf(result.byProject)).toBe(total);
    for (const breakdown of Object.values(result.byTagKey)) expect(centsOf(breakdown)).toBe(total);
  });

  it("keeps sums exact on many awkward amounts and multi-valued tags", () => {
    // A fixed linear congruential sequence: reproducible, and amounts like 0.1 + 0.2 that drift in floats.
    let state = 12345;
    const next = (n: number) => (state = (state * 1103515245 + 12345) % 2 ** 31) % n;
    const manyTags = new Map<string, string[]>(
      Array.from({ length: 40 }, (_, i) => [`r${i}`, Array.from({ length: next(4) }, () => `team:t${next(5)}`)]),
    );
    const manyItems: InvoiceItem[] = Array.from({ length: 500 }, () => ({
      product: `p${next(7)}`,
      resourceUuid: next(5) === 0 ? undefined : `r${next(45)}`,
      projectName: next(4) === 0 ? undefined : `proj${next(3)}`,
      amountUsd: (next(100_000) - 5_000) / 100,
    }));
    const many = allocateCosts(manyItems, manyTags);
    const expectedTotal = manyItems.reduce((sum, item) => sum + toCents(item.amountUsd), 0);
    expect(toCents(many.totalUsd)).toBe(expectedTotal);
    expect(centsOf(many.byProduct)).toBe(expectedTotal);
    expect(centsOf(many.byProject)).toBe(expectedTotal);
    expect(centsOf(many.byTagKey.team)).toBe(expectedTotal);
  });

  it("limits the tag breakdown to the keys asked for, even keys nobody uses", () => {
    const limited = allocateCosts(items, tags, { tagKeys: ["env", "cost-center"] });
    expect(Object.keys(limited.byTagKey)).toEqual(["env", "cost-center"]);
    expect(limited.byTagKey["cost-center"]).toEqual({ [UNTAGGED]: 113.51 });
  });

  it("handles an empty invoice", () => {
    expect(allocateCosts([], tags)).toEqual({ totalUsd: 0, byProduct: {}, byProject: {}, byTagKey: {}, untaggedUsd: 0, untaggedShare: 0 });
  });

  it.each([
    [{ product: "Droplets", amountUsd: Number.NaN }, "items[1].amountUsd must be a finite number (got NaN)"],
    [{ product: "", amountUsd: 1 }, 'items[1].product must be a non-empty string (got "")'],
  ])("rejects %j", (bad, message) => {
    expect(() => allocateCosts([items[0], bad], tags)).toThrow(message);
  });
});

describe("summing stored days and allocating by tag key", () => {
  // Two days in the stored shape (ingest's historyDay): env on both, team only from day 2.
  const day1 = { "env:prod": 10.1, "env:(untagged)": 2, [UNTAGGED]: 2 };
  const day2 = { "env:prod": 10.2, "env:staging": 0.3, "env:(untagged)": 1, "team:web": 4, "team:(untagged)": 7.5, [UNTAGGED]: 1 };
  const cents = sumBreakdownCents([day1, day2]);
  const totalCents = 1210 + 1150;

  it("adds day by day in cents, and lists rows largest first", () => {
    expect(cents.get("env:prod")).toBe(2030);
    expect(allocationRows(sumBreakdownCents([{ a: 0.1, b: 0.2 }, { a: 0.2 }]))).toEqual([
      { key: "a", usd: 0.3 },
      { key: "b", usd: 0.2 },
    ]);
  });

  it("gives each tag key its values, the days before a key existed going to its untagged value, so every key adds up to the total", () => {
    const byKey = allocationByTagKey(cents, totalCents);
    expect(byKey).toEqual([
      { tagKey: "env", rows: [{ value: "prod", usd: 20.3 }, { value: UNTAGGED, usd: 3 }, { value: "staging", usd: 0.3 }] },
      // team on day 2 only: day 1's $12.10 lacked it.
      { tagKey: "team", rows: [{ value: UNTAGGED, usd: 19.6 }, { value: "web", usd: 4 }] },
    ]);
    for (const key of byKey) expect(key.rows.reduce((sum, row) => sum + toCents(row.usd), 0)).toBe(totalCents);
  });
});
