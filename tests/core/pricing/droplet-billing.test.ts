import { defaultCatalog, dropletCostForHoursUsd, dropletMonthlyCapHours } from "../../../core/pricing";
import { MONTHLY_CAP_HOURS } from "../../../core/hourly-billing";

// GPU Droplets bill every hour (no 672-hour cap): catalog section `gpuDropletBilling`, citing
// DigitalOcean's Droplet pricing page, which prices GPU Droplets per hour only.
describe("Droplet hours → cost: the 672-hour cap is for CPU Droplets only", () => {
  const cpu = defaultCatalog.dropletSize("s-2vcpu-4gb")!;
  const gpu = defaultCatalog.dropletSize("gpu-h100x1-80gb")!;

  test("cap hours: 672 for CPU sizes, none for GPU sizes", () => {
    expect(dropletMonthlyCapHours("s-2vcpu-4gb")).toBe(MONTHLY_CAP_HOURS);
    expect(dropletMonthlyCapHours("c-2")).toBe(672);
    expect(dropletMonthlyCapHours("gpu-h100x1-80gb")).toBeNull();
    expect(dropletMonthlyCapHours("gpu-mi300x8-1536gb")).toBeNull();
  });

  const rows: [string, string, number, number][] = [
    ["CPU, 100 h: pro rata of monthly / 672", "s-2vcpu-4gb", 100, (cpu.monthlyUsd / 672) * 100],
    ["CPU, 672 h: the monthly price", "s-2vcpu-4gb", 672, cpu.monthlyUsd],
    ["CPU, a 31-day month (744 h): still the monthly price", "s-2vcpu-4gb", 744, cpu.monthlyUsd],
    ["GPU, 100 h: hourly × 100", "gpu-h100x1-80gb", 100, gpu.hourlyUsd * 100],
    ["GPU, February (672 h): hourly × 672, below the catalog month", "gpu-h100x1-80gb", 672, gpu.hourlyUsd * 672],
    ["GPU, a 31-day month (744 h): hourly × 744 = the catalog month", "gpu-h100x1-80gb", 744, gpu.monthlyUsd],
  ];
  test.each(rows)("%s", (_name, slug, hours, expected) => {
    expect(dropletCostForHoursUsd(slug, hours)).toBeCloseTo(expected, 6);
  });

  test("a GPU month of 720 h costs more than 672 h would under a cap", () => {
    expect(dropletCostForHoursUsd("gpu-l40sx1-48gb", 720)!).toBeGreaterThan(dropletCostForHoursUsd("gpu-l40sx1-48gb", 672)!);
    expect(dropletCostForHoursUsd("s-4vcpu-8gb", 720)).toBe(dropletCostForHoursUsd("s-4vcpu-8gb", 672));
  });

  test("unknown size → undefined (never 0); bad hours are rejected by value", () => {
    expect(dropletCostForHoursUsd("s-99vcpu", 10)).toBeUndefined();
    expect(() => dropletCostForHoursUsd("s-2vcpu-4gb", -1)).toThrow("hours must be a finite number >= 0 (got -1)");
    expect(() => dropletCostForHoursUsd("s-2vcpu-4gb", Number.NaN)).toThrow("(got NaN)");
  });
});
