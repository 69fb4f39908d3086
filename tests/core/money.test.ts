import { formatSignedUsd, formatUsd, fromCents, parseUsd, roundUsd, sumUsd, toCents } from "../../core/money";

describe("money", () => {
  it.each([
    [0.1, 10],
    [19.995, 2000], // half a cent rounds away from zero
    [-19.995, -2000],
    [0.0049, 0],
    [1234.5, 123450],
  ])("toCents(%d) = %d", (usd, cents) => {
    expect(toCents(usd)).toBe(cents);
  });

  it("refuses amounts that are not finite", () => {
    expect(() => toCents(Number.NaN)).toThrow("amount must be a finite number (got NaN)");
  });

  it("adds exactly, through cents", () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(sumUsd([0.1, 0.2])).toBe(0.3);
    expect(sumUsd([204.4, -60, 15])).toBe(159.4);
    expect(roundUsd(2.675)).toBe(2.68);
    expect(fromCents(123450)).toBe(1234.5);
  });

  it.each([
    [1234.5, "$1,234.50", "+$1,234.50"],
    [0, "$0.00", "$0.00"],
    [-3.5, "-$3.50", "-$3.50"],
    [2181, "$2,181.00", "+$2,181.00"],
  ])("formats %d as %s (signed %s)", (usd, plain, signed) => {
    expect(formatUsd(usd)).toBe(plain);
    expect(formatSignedUsd(usd)).toBe(signed);
  });

  it("parses DigitalOcean's string amounts and names the field when it cannot", () => {
    expect(parseUsd("12.34", "balance.month_to_date_usage")).toBe(12.34);
    expect(parseUsd("-5.00", "amount")).toBe(-5);
    expect(() => parseUsd("12,34", "invoice_items[3].amount")).toThrow('invoice_items[3].amount is not a dollar amount (got "12,34")');
  });
});
