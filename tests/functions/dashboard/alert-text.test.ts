/**
 * Fired alerts in words: one sentence per kind the tracker records, times in the configured
 * zone (daylight saving time included), the year only when it is not this year's, and a
 * runbook link to a section that exists in docs/runbook.md.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describeAlerts, formatDuration, RUNBOOK_ANCHORS, ZonedClock, type FiredAlert } from "../../../functions/src/dashboard/alert-text";

const NOW = new Date("2026-03-28T19:00:00Z");
const utc = new ZonedClock("UTC", NOW);
const fired = (payload: FiredAlert["payload"], firedAt = "2026-03-20T07:00:00.000Z"): FiredAlert => ({ alertKey: `key:${String(payload.kind)}`, firedAt, payload });
const sentence = (payload: FiredAlert["payload"], clock = utc) => describeAlerts([fired(payload)], clock)[0]!.sentence;

describe("every runbook link points at a section that exists", () => {
  const runbook = readFileSync(path.join(__dirname, "../../../docs/runbook.md"), "utf8");
  it.each([...new Set(Object.values(RUNBOOK_ANCHORS))])("docs/runbook.md has <a id=\"%s\">", (anchor) => {
    expect(runbook).toContain(`<a id="${anchor}"></a>`);
  });

  it("links a kind to its section under billing.runbookUrl, and a kind without one to nothing", () => {
    const [threshold, unknown] = describeAlerts([fired({ kind: "threshold", thresholdUsd: 100, monthToDateUsd: 101 }), fired({ kind: "made-up" })], utc, "https://wiki.example.com/runbook");
    expect([threshold!.runbookUrl, unknown!.runbookUrl]).toEqual(["https://wiki.example.com/runbook#billing-threshold", null]);
    expect(describeAlerts([fired({ kind: "threshold" })], utc)[0]!.runbookUrl).toBeNull();
  });
});

describe("sentences", () => {
  it.each([
    [{ kind: "threshold", thresholdUsd: 250, monthToDateUsd: 251.07 }, "Month-to-date spend reached $251.07, past the $250.00 threshold."],
    [{ kind: "forecast", projectedUsd: 412.5, budgetUsd: 300, fixedUsd: 180, method: "x" }, "Month-end spend is projected at $412.50, over the $300.00 budget ($180.00 of it fixed resources)."],
    [{ kind: "spike", service: "Bandwidth", date: "2026-03-20", usd: 45, baselineUsd: 0.5 }, "Bandwidth cost jumped to $45.00 on 20 Mar, against a usual $0.50."],
    [{ kind: "spike", service: "(total)", date: "2026-03-17", usd: 31.2, baselineUsd: 9.6 }, "Total daily cost jumped to $31.20 on 17 Mar, against a usual $9.60."],
    [{ kind: "new-service", service: "Load Balancers", date: "2025-12-10", usd: 12, baselineUsd: 0 }, "Load Balancers appeared on the bill: $12.00 on 10 Dec 2025."],
    [{ kind: "app-bandwidth", app: "restaurant-web", date: "2026-03-20", usedGiB: 74.04, allowanceGiB: 60 }, "restaurant-web served 74.0 GiB on 20 Mar, over its 60 GiB daily allowance."],
    [{ kind: "price_calibration", product: "Droplets", slug: "s-2vcpu-4gb", catalogMonthlyUsd: 24, invoicedMonthlyUsd: 28.8, driftPct: 20, verdict: "drift" }, "DigitalOcean billed Droplets s-2vcpu-4gb at $28.80/month; the price catalog says $24.00/month (+20%)."],
    [{ kind: "price_calibration", product: "Droplets", slug: "s-2vcpu-8gb", catalogMonthlyUsd: null, invoicedMonthlyUsd: 42, driftPct: null, verdict: "unknown-in-catalog" }, "DigitalOcean billed Droplets s-2vcpu-8gb at $42.00/month; the price catalog does not know this size."],
    [{ kind: "made-up", x: 1 }, 'A "made-up" alert fired.'],
    [{ thresholdUsd: 5 }, "An alert fired."],
  ])("%j → %s", (payload, expected) => {
    expect(sentence(payload)).toBe(expected);
  });

  it("never throws on a payload missing its figures", () => {
    expect(sentence({ kind: "threshold" })).toBe("Month-to-date spend passed a threshold.");
    expect(sentence({ kind: "threshold", thresholdUsd: 50 })).toBe("Month-to-date spend passed the $50.00 threshold.");
    expect(sentence({ kind: "spike", service: "Spaces" })).toBe("Spaces cost spiked.");
    expect(sentence({ kind: "forecast" })).toBe("Month-end spend is projected over the budget.");
    expect(sentence({ kind: "price_calibration", slug: "s-1vcpu-1gb" })).toBe("DigitalOcean billed s-1vcpu-1gb at another price, not what the price catalog says.");
    expect(sentence({ kind: "app-memory-recovered", app: "web" })).toBe("web memory is back under its threshold.");
  });

  it("names a memory incident's recovery when it is listed too, in the configured zone", () => {
    const incident = { appId: "a1", app: "restaurant-web", incidentStart: "2026-03-21T16:20:00.000Z" };
    const events = [
      fired({ kind: "app-memory-recovered", ...incident, recoveredAt: "2026-03-22T01:35:00.000Z" }, "2026-03-22T07:00:00.000Z"),
      fired({ kind: "app-memory-high", ...incident, thresholdPercent: 80, window: "1h", peakPercent: 93 }, "2026-03-21T19:00:00.000Z"),
      fired({ kind: "app-memory-high", ...incident, incidentStart: "2026-03-25T10:00:00.000Z", thresholdPercent: 80, window: "5m", peakPercent: 88.25 }),
    ];
    const berlin = new ZonedClock("Europe/Berlin", NOW);
    expect(describeAlerts(events, berlin).map((e) => e.sentence)).toEqual([
      "restaurant-web memory back under its threshold at 02:35 on 22 Mar, 9\u00a0h 15\u00a0min after it went high at 17:20 on 21 Mar.",
      "restaurant-web memory at 93% (over 80% for 1\u00a0h) from 17:20 on 21 Mar; recovered at 02:35 on 22 Mar.",
      "restaurant-web memory at 88.3% (over 80% for 5\u00a0min) from 11:00 on 25 Mar; no recovery recorded yet.",
    ]);
  });
});

describe("ZonedClock", () => {
  it("follows daylight saving time: Berlin is UTC+1 before 29 March 2026 and UTC+2 after", () => {
    const berlin = new ZonedClock("Europe/Berlin", NOW);
    expect(berlin.stamp(new Date("2026-03-28T12:00:00Z"))).toBe("28 Mar 13:00");
    expect(berlin.stamp(new Date("2026-03-29T12:00:00Z"))).toBe("29 Mar 14:00");
  });

  it("writes the year only outside the current one, judged in the zone", () => {
    const newYear = new ZonedClock("Asia/Tokyo", new Date("2026-01-01T01:00:00Z"));
    // 31 Dec 2025 20:00 UTC is already 1 Jan 2026 in Tokyo.
    expect(newYear.at(new Date("2025-12-31T20:00:00Z"))).toBe("05:00 on 1 Jan");
    expect(newYear.at(new Date("2025-12-31T10:00:00Z"))).toBe("19:00 on 31 Dec 2025");
  });

  it("shows a billing date as it is, not shifted by the zone", () => {
    expect(new ZonedClock("Pacific/Honolulu", NOW).date("2026-03-20")).toBe("20 Mar");
  });
});

it("formats durations with their units", () => {
  expect([formatDuration(45 * 60_000), formatDuration(555 * 60_000), formatDuration(2 * 86_400_000 + 3 * 3_600_000), formatDuration(3_600_000)]).toEqual([
    "45\u00a0min",
    "9\u00a0h 15\u00a0min",
    "2\u00a0d 3\u00a0h",
    "1\u00a0h",
  ]);
});
