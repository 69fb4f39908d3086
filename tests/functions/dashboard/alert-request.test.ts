import { readAlertRequest } from "../../../functions/src/dashboard/alert-request";

// The handler refuses bodies over 64 KiB with 413 before they reach the schema (api.test.ts);
// these check that the schema's own answer is short too, whatever size reaches it.
describe("readAlertRequest keeps its answer short whatever it is given", () => {
  it("cuts an unknown key of 10 MiB to 40 characters", () => {
    const result = readAlertRequest({ amountUsd: 80, email: ["a@example.com"], ["k".repeat(10 * 1024 * 1024)]: 1 });
    expect(result).toEqual({ ok: false, error: `the request body has unknown key ${"k".repeat(37)}... (allowed: amountUsd, email, slack, enabled)` });
  });

  it("names three of 200,000 unknown keys and counts the rest", () => {
    const body: Record<string, unknown> = { amountUsd: 80, email: ["a@example.com"] };
    for (let i = 0; i < 200_000; i++) body[`unknown${i}`] = i;
    expect(readAlertRequest(body)).toEqual({ ok: false, error: "the request body has unknown keys unknown0, unknown1, unknown2 and 199997 more (allowed: amountUsd, email, slack, enabled)" });
  });

  it("does not quote a 60,000-character address or a list of 100,000", () => {
    const long = readAlertRequest({ amountUsd: 80, email: [`${"a".repeat(60_000)} @example.com`] });
    // How the bad value is quoted is describeValue's business (core/validators); here: briefly.
    expect(long.ok ? "accepted" : long.error).toMatch(/^email\[0\] must be an email address like ops@example\.com \(got .{1,60}\)$/);
    const many = readAlertRequest({ amountUsd: 80, email: Array.from({ length: 100_000 }, (_, i) => `ops${i}@example.com`) });
    expect(many).toEqual({ ok: false, error: "email must list at most 50 email addresses" });
  });

  it("sees an own __proto__ key (as JSON.parse makes it) as unknown, not as the object's prototype", () => {
    const body = JSON.parse('{"__proto__": {"amountUsd": 75, "email": ["a@example.com"]}}') as Record<string, unknown>;
    expect(readAlertRequest(body)).toEqual({ ok: false, error: "amountUsd must be a positive number of US dollars; the request body has unknown key __proto__ (allowed: amountUsd, email, slack, enabled)" });
  });

  it("accepts the shapes the tracker config accepts, http Slack to loopback included", () => {
    expect(readAlertRequest({ amountUsd: 12.34, email: ["ops@example.com"], slack: [{ channel: "#ops", url: "http://127.0.0.1:9/hook" }], enabled: false })).toEqual({
      ok: true,
      request: { amountUsd: 12.34, email: ["ops@example.com"], slack: [{ channel: "#ops", url: "http://127.0.0.1:9/hook" }], enabled: false },
    });
  });
});
