import { defaultCatalog, estimateFunctionsUsage } from "../../../core/pricing";

const { freeGiBSecondsPerMonth: FREE, usdPerGiBSecond: PRICE } = defaultCatalog.data.functions;

describe("estimateFunctionsUsage", () => {
  it("prices GiB-seconds beyond the free allowance", () => {
    // 730 hourly checks × 20 s × 512 MB = 730 × 20 × 0.5 = 7,300 GiB-s: well inside the free tier.
    const small = estimateFunctionsUsage([{ name: "hourly check", invocationsPerMonth: 730, averageDurationMs: 20_000, memoryMb: 512 }]);
    expect(small.gibSeconds).toBeCloseTo(7300, 9);
    expect(small.billableGiBSeconds).toBe(0);
    expect(small.monthlyUsd).toBe(0);

    // 100,000 runs × 2 s × 1024 MB = 200,000 GiB-s; 200,000 − FREE billable.
    const large = estimateFunctionsUsage([{ name: "busy", invocationsPerMonth: 100_000, averageDurationMs: 2000, memoryMb: 1024 }]);
    expect(large.billableGiBSeconds).toBeCloseTo(200_000 - FREE, 6);
    expect(large.monthlyUsd).toBe(Math.round((200_000 - FREE) * PRICE * 100) / 100);
    expect(large.components[0]).toMatchObject({ unit: "GiB-seconds", quantity: 200_000, unitPriceUsd: PRICE });
  });

  it("adds workloads before applying the allowance once", () => {
    const both = estimateFunctionsUsage([
      { name: "a", invocationsPerMonth: 50_000, averageDurationMs: 1000, memoryMb: 1024 },
      { name: "b", invocationsPerMonth: 50_000, averageDurationMs: 1000, memoryMb: 1024 },
    ]);
    expect(both.gibSeconds).toBe(100_000);
    expect(both.billableGiBSeconds).toBe(100_000 - FREE);
  });
});
