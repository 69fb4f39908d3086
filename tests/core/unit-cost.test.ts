import { unitCost, validateUnitCostConfig } from "../../core/unit-cost";

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
