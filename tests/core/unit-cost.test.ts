import { dailyUnitCosts, monthToDateUnitCost, unitCost, unitCountFreshness, validateUnitCostConfig } from "../../core/unit-cost";

describe("unitCost", () => {
  it.each([
    // total, units, cost per unit
    [120, 40, 3], // 120 / 40
    [100, 3, 100 / 3], // unrounded: 33.333…
    [0.5, 1000, 0.0005], // a fraction of a cent per unit survives
    [-10, 4, -2.5], // a credit month
  ])("$%d over %d units → $%d each", (total, units, perUnit) => {
    expect(unitCost(total, units)).toEqual({ status: "ok", units, usdPerUnit: perUnit });
  });

  it("says so when there are no units rather than dividing by zero", () => {
    expect(unitCost(120, 0)).toEqual({ status: "zero-units", units: 0, usdPerUnit: null });
  });

  it.each([null, undefined])("says so when the unit count is unknown (%p)", (units) => {
    expect(unitCost(120, units)).toEqual({ status: "unknown-units", units: null, usdPerUnit: null });
  });

  it.each([
    [120, -1, "units must be a finite number >= 0 (got -1)"],
    [120, Number.NaN, "units must be a finite number >= 0 (got NaN)"],
    [Number.POSITIVE_INFINITY, 3, "totalUsd must be a finite number (got Infinity)"],
  ])("rejects $%d over %d units", (total, units, message) => {
    expect(() => unitCost(total, units)).toThrow(message);
  });
});

describe("validateUnitCostConfig", () => {
  it.each([
    [{ unitName: "active restaurant", source: { kind: "count", value: 42 } }],
    [{ unitName: "active restaurant", source: { kind: "sql", databaseUrl: "postgres://reader@db.internal:25060/app", query: "SELECT count(*) FROM restaurants WHERE active" } }],
    [{ unitName: "order", source: { kind: "sql", databaseUrl: "postgresql://db/app", query: "with a as (select 1) select count(*) from a;" } }],
    [{ unitName: "order", source: { kind: "url", url: "https://api.example.com/stats", jsonPointer: "/orders/count" } }],
    [{ unitName: "order", source: { kind: "url", url: "http://stats.internal/count" } }],
  ])("accepts %j", (config) => {
    expect(validateUnitCostConfig(config)).toEqual(config);
  });

  it.each([
    [null, "unitCost must be an object {unitName, source} (got null)"],
    [{ source: { kind: "count", value: 1 } }, "unitCost.unitName must be a non-empty string (got nothing)"],
    [{ unitName: "x", source: "42" }, 'unitCost.source must be an object with a kind (got "42")'],
    [{ unitName: "x", source: { kind: "csv" } }, 'unitCost.source.kind must be "count", "sql" or "url" (got "csv")'],
    [{ unitName: "x", source: { kind: "count", value: -3 } }, "unitCost.source.value must be a number >= 0 (got -3)"],
    [{ unitName: "x", source: { kind: "count", value: "3" } }, 'unitCost.source.value must be a number >= 0 (got "3")'],
    [{ unitName: "x", source: { kind: "sql", databaseUrl: "mysql://db/app", query: "select 1" } }, 'unitCost.source.databaseUrl must be a postgres:// or postgresql:// URL'],
    [{ unitName: "x", source: { kind: "sql", databaseUrl: "not a url", query: "select 1" } }, 'unitCost.source.databaseUrl must be a postgres:// or postgresql:// URL'],
    [{ unitName: "x", source: { kind: "sql", databaseUrl: "postgres://db/app", query: "delete from restaurants" } }, 'unitCost.source.query must be a single SELECT statement (got "delete from restaurants")'],
    [{ unitName: "x", source: { kind: "sql", databaseUrl: "postgres://db/app", query: "select 1; drop table t" } }, "unitCost.source.query must be a single SELECT statement"],
    [{ unitName: "x", source: { kind: "sql", databaseUrl: "postgres://db/app" } }, "unitCost.source.query must be a non-empty string (got nothing)"],
    [{ unitName: "x", source: { kind: "url", url: "ftp://host/file" } }, 'unitCost.source.url must be an http:// or https:// URL'],
    [{ unitName: "x", source: { kind: "url", url: "https://h/x", jsonPointer: "count" } }, 'unitCost.source.jsonPointer must be a JSON Pointer like "/data/count" (got "count")'],
  ])("rejects %j", (config, message) => {
    expect(() => validateUnitCostConfig(config)).toThrow(message);
  });

  it("never echoes a database password", () => {
    expect(() =>
      validateUnitCostConfig({ unitName: "x", source: { kind: "sql", databaseUrl: "postgres://u:s3cret@db:bad-port/app", query: "select 1" } }),
    ).toThrow("unitCost.source.databaseUrl must be a postgres:// or postgresql:// URL");
    expect(() =>
      validateUnitCostConfig({ unitName: "x", source: "postgres://user:PASSWORD@db.internal:5432/app" }),
    ).toThrow(expect.objectContaining({ message: expect.not.stringContaining("PASSWORD") }));
  });

  it("prefixes messages with the config key it was given", () => {
    expect(() => validateUnitCostConfig({ unitName: "" }, "do-cost-guard:tracker.unitCost")).toThrow(
      'do-cost-guard:tracker.unitCost.unitName must be a non-empty string (got "")',
    );
  });
});

describe("unitCountFreshness and monthToDateUnitCost", () => {
  const now = new Date("2026-03-28T19:00:00Z");
  const at = (iso: string, units: number | null) => ({ readAt: new Date(iso), units });

  it("divides the month to date by a count read within 26 hours", () => {
    const freshness = unitCountFreshness(at("2026-03-28T07:00:00Z", 140), now);
    expect(freshness).toEqual({ state: "fresh", readAt: new Date("2026-03-28T07:00:00Z"), ageHours: 12, units: 140 });
    expect(monthToDateUnitCost(280, freshness)).toEqual({ status: "ok", units: 140, usdPerUnit: 2, usd: 280, readAt: new Date("2026-03-28T07:00:00Z") });
  });

  it("refuses a count older than that (yesterday's standing in for today's): stale, no division", () => {
    const freshness = unitCountFreshness(at("2026-03-27T16:59:00Z", 140), now);
    expect(freshness).toMatchObject({ state: "stale", units: 140 });
    expect(monthToDateUnitCost(280, freshness)).toEqual({ status: "stale", units: 140, usdPerUnit: null, usd: 280, readAt: new Date("2026-03-27T16:59:00Z") });
    // Exactly 26 hours is still fresh.
    expect(unitCountFreshness(at("2026-03-27T17:00:00Z", 140), now).state).toBe("fresh");
  });

  it("says the source failed when the latest reading is unknown, zero units when it is 0, and no reading before the first", () => {
    expect(monthToDateUnitCost(280, unitCountFreshness(at("2026-03-28T07:00:00Z", null), now))).toMatchObject({ status: "unknown-units", usdPerUnit: null });
    expect(monthToDateUnitCost(280, unitCountFreshness(at("2026-03-28T07:00:00Z", 0), now))).toMatchObject({ status: "zero-units", usdPerUnit: null });
    expect(monthToDateUnitCost(280, unitCountFreshness(null, now))).toEqual({ status: "no-reading", units: null, usdPerUnit: null, usd: 280, readAt: null });
  });
});

describe("dailyUnitCosts", () => {
  it("divides each day by the count read that UTC day (the later of two), and says so for a day without one", () => {
    const days = [
      { date: "2026-03-01", usd: 14 },
      { date: "2026-03-02", usd: 15 },
      { date: "2026-03-03", usd: 12 },
      { date: "2026-03-04", usd: 9 },
    ];
    const readings = [
      { readAt: new Date("2026-03-01T07:00:00Z"), units: 140 },
      { readAt: new Date("2026-03-02T07:00:00Z"), units: 140 },
      { readAt: new Date("2026-03-02T19:00:00Z"), units: 150 },
      // none on the 3rd; the 4th's source failed
      { readAt: new Date("2026-03-04T07:00:00Z"), units: null },
    ];
    expect(dailyUnitCosts(days, readings)).toEqual([
      { date: "2026-03-01", status: "ok", units: 140, usdPerUnit: 0.1, usd: 14, readAt: new Date("2026-03-01T07:00:00Z") },
      { date: "2026-03-02", status: "ok", units: 150, usdPerUnit: 0.1, usd: 15, readAt: new Date("2026-03-02T19:00:00Z") },
      { date: "2026-03-03", status: "no-reading", units: null, usdPerUnit: null, usd: 12, readAt: null },
      { date: "2026-03-04", status: "unknown-units", units: null, usdPerUnit: null, usd: 9, readAt: new Date("2026-03-04T07:00:00Z") },
    ]);
  });
});
