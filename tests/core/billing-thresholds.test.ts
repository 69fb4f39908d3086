import {
  DEFAULT_THRESHOLD_AMOUNTS_USD,
  crossedThresholds,
  forecastEventKey,
  forecastExceedsBudget,
  thresholdEventKey,
  type BillingThreshold,
} from "../../core/billing-thresholds";

const thresholds = DEFAULT_THRESHOLD_AMOUNTS_USD.map((amountUsd) => ({ id: `mtd-${amountUsd}`, amountUsd, recipients: ["slack:#costs"] }));
const amounts = (list: readonly BillingThreshold[]) => list.map((t) => t.amountUsd);

describe("DEFAULT_THRESHOLD_AMOUNTS_USD", () => {
  it("are $10, $50, $150, $200", () => {
    expect(DEFAULT_THRESHOLD_AMOUNTS_USD).toEqual([10, 50, 150, 200]);
  });
});

describe("crossedThresholds", () => {
  it.each([
    // MTD, already fired, expected amounts
    [5, [], []],
    [9.99, [], []],
    [10, [], [10]], // exactly on the threshold fires
    [49.999, [], [10, 50]], // $49.999 is $50.00 on the invoice, which is in cents
    [49.994, [], [10]], // … while $49.994 is $49.99
    [160, [], [10, 50, 150]], // a jump across several fires each of them, none skipped
    [160, ["mtd-10", "mtd-50"], [150]],
    [160, ["mtd-10", "mtd-50", "mtd-150"], []], // rerun: nothing new
    [250, ["mtd-50"], [10, 150, 200]],
  ])("MTD $%d with %j fired → %j", (mtd, fired, expected) => {
    expect(amounts(crossedThresholds(mtd, thresholds, fired))).toEqual(expected);
  });

  it("hands back the caller's own threshold objects, recipients included", () => {
    expect(crossedThresholds(12, thresholds, [])).toEqual([thresholds[0]]);
    expect(crossedThresholds(12, thresholds, [])[0]).toBe(thresholds[0]);
  });

  it("returns them ascending even if the list is not", () => {
    expect(amounts(crossedThresholds(500, [...thresholds].reverse(), []))).toEqual([10, 50, 150, 200]);
  });

  it("fires again after the month rolls over, through the month-scoped event keys", () => {
    // A stand-in for the tracker's event store: the keys of notifications already sent.
    const sent = new Set<string>();
    const run = (month: string, mtd: number): number[] => {
      const fired = thresholds.filter((t) => sent.has(thresholdEventKey(t.id, month))).map((t) => t.id);
      const crossed = crossedThresholds(mtd, thresholds, fired);
      crossed.forEach((t) => sent.add(thresholdEventKey(t.id, month)));
      return amounts(crossed);
    };
    expect(run("2026-11", 5)).toEqual([]);
    expect(run("2026-11", 160)).toEqual([10, 50, 150]);
    expect(run("2026-11", 160)).toEqual([]); // rerun, same month
    expect(run("2026-11", 201)).toEqual([200]);
    expect(run("2026-12", 12)).toEqual([10]); // new billing month: armed again
    expect(sent.size).toBe(5);
  });
});

describe("forecastExceedsBudget", () => {
  it.each([
    [200.01, 200, true],
    [200.0, 200, false], // on budget is on plan
    [199.99, 200, false],
    [200.004, 200, false], // $200.004 is $200.00 on the invoice
    [450, 300, true],
  ])("projected $%d vs budget $%d → %s", (projectedUsd, budgetUsd, expected) => {
    expect(forecastExceedsBudget({ projectedUsd }, budgetUsd)).toBe(expected);
  });

  it.each([0, -1, Number.NaN])("rejects budget %d", (budget) => {
    expect(() => forecastExceedsBudget({ projectedUsd: 1 }, budget)).toThrow(`budgetUsd must be a positive number (got ${budget})`);
  });
});

describe("event keys", () => {
  it("are scoped to the threshold and the billing month", () => {
    expect(thresholdEventKey("mtd-50", "2026-11")).toBe("threshold:mtd-50:2026-11");
    expect(thresholdEventKey("mtd-50", "2026-12")).not.toBe(thresholdEventKey("mtd-50", "2026-11"));
    expect(forecastEventKey("2026-11")).toBe("forecast:2026-11");
  });

  it("reject a malformed month", () => {
    expect(() => thresholdEventKey("mtd-50", "2026-11-27")).toThrow('billing month must look like "2026-11" (got "2026-11-27")');
    expect(() => forecastEventKey("Nov")).toThrow('(got "Nov")');
  });
});
