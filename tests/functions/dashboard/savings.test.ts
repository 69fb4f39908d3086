/**
 * The dashboard's Savings and Stacks: the suggestions API, dismissals that hold until the evidence changes,
 * and the page's section with the potential total and the untagged share of spend.
 */
import { basic, PASSWORD, seededDays, SEEDED_SUGGESTIONS, signedInGet, startDashboard, USERNAME, type DashboardFixture } from "./dashboard-fixture";

let dashboard: DashboardFixture;
const auth = { Authorization: basic(USERNAME, PASSWORD) };

beforeAll(async () => {
  dashboard = await startDashboard(__filename);
});

afterAll(async () => {
  await dashboard?.close();
});

const get = (path: string) => signedInGet(dashboard, path);

it("GET /api/v1/billing/suggestions lists the savings, the total, the untagged and the untagged share of this month's spend", async () => {
  const { status, body } = await get("/api/v1/billing/suggestions");
  expect(status).toBe(200);
  expect(body.suggestions.map((s: { id: string }) => s.id)).toEqual(["droplet-powered-off:droplet:101", "load-balancer-idle:loadBalancer:lb-1"]);
  expect(body.totalMonthlySavingsUsd).toBe(31.2);
  expect(body.untagged).toEqual([
    { kind: "droplet", id: "107", name: "console-made", missingKeys: ["owner"], disallowed: [] },
    { kind: "droplet", id: "108", name: "wrong-env", missingKeys: [], disallowed: [{ key: "env", value: "staging", allowed: ["prod", "dev"] }] },
  ]);
  const month = seededDays().filter((d) => d.date >= "2026-11-01");
  const share = month.reduce((sum, d) => sum + (d.costByTag["(untagged)"] ?? 0), 0) / month.reduce((sum, d) => sum + d.totalCostUsd, 0);
  expect(body.untaggedShareOfSpend).toBeCloseTo(share, 6);
  expect(body.suggestions[0]).toMatchObject({ firstSeenAt: "2026-11-20T07:00:00.000Z", lastSeenAt: "2026-11-20T07:00:00.000Z" });
});

it("the page shows a Savings section with the potential total and each suggestion", async () => {
  const { status, text } = await get("/");
  expect(status).toBe(200);
  expect(text).toContain(`<section id="savings"><h2>Savings</h2>`);
  expect(text).toContain("<strong>$31.20/month</strong> potential savings from 2 suggestions");
  expect(text).toMatch(/<td data-label="Resource"><div>droplet old-batch<\/div><\/td><td data-label="Action"><div>snapshot, then destroy<\/div><\/td><td data-label="Why"><div>off for 10 days<\/div><\/td><td data-label="Saves\/month" class="num"><div>\$19\.20<\/div><\/td>/);
  expect(text).toContain("Untagged: droplet console-made (missing owner); droplet wrong-env (env:staging is not one of prod, dev)</p>");
  expect(text).not.toContain("an allowed value");
});

it("POST …/suggestions/{id}/dismiss hides one until its evidence changes; an unknown id answers 404", async () => {
  const id = "load-balancer-idle:loadBalancer:lb-1";
  const post = (target: string) => fetch(`${dashboard.baseUrl}/api/v1/billing/suggestions/${encodeURIComponent(target)}/dismiss`, { method: "POST", headers: auth });
  expect((await post("no-such:thing:1")).status).toBe(404);
  const dismissed = await post(id);
  expect(dismissed.status).toBe(200);
  expect(await dismissed.json()).toEqual({ id, dismissed: true });
  let listed = (await get("/api/v1/billing/suggestions")).body;
  expect(listed.suggestions.map((s: { id: string }) => s.id)).not.toContain(id);
  expect(listed).toMatchObject({ dismissed: 1, totalMonthlySavingsUsd: 19.2 });
  // The next advise run finds the same load balancer with new evidence: it shows again.
  const changed = SEEDED_SUGGESTIONS.map((s) => (s.id === id ? { ...s, evidence: { targets: 0, connectionsMax: 3 } } : s));
  await dashboard.advice.dismissSuggestion("droplet-powered-off:droplet:101");
  await dashboard.advice.replaceSuggestions(changed, new Date("2026-11-21T07:00:00Z"));
  listed = (await get("/api/v1/billing/suggestions")).body;
  expect(listed.suggestions.map((s: { id: string }) => s.id)).toEqual([id]);
  expect(listed.dismissed).toBe(1);
  expect((await fetch(`${dashboard.baseUrl}/api/v1/billing/suggestions/${encodeURIComponent(id)}/dismiss`, { headers: auth })).status).toBe(405);
});

it("refuses the suggestions API without credentials", async () => {
  expect((await fetch(`${dashboard.baseUrl}/api/v1/billing/suggestions`)).status).toBe(401);
  expect((await fetch(`${dashboard.baseUrl}/api/v1/billing/suggestions/x/dismiss`, { method: "POST" })).status).toBe(401);
});

it("shows each stack's latest month: plan estimate against the bill, with what differs and why", async () => {
  const { status, body } = await get("/api/v1/billing/stacks");
  expect(status).toBe(200);
  expect(body.stacks).toHaveLength(1);
  expect(body.stacks[0]).toMatchObject({ stackTag: "stack:restaurant-platform-prod", billingMonth: "2026-10", estimatedUsd: 139.4, billedUsd: 142.6, differenceUsd: 3.2, unplannedBilledUsd: 6 });
  const page = (await get("/")).text;
  expect(page).toContain(`<section id="stacks"><h2>Stacks: estimate against the bill</h2>`);
  expect(page).toMatch(/<tr data-stack="stack:restaurant-platform-prod"><td data-label="Stack"><div><code>stack:restaurant-platform-prod<\/code><\/div><\/td><td data-label="Month"><div>2026-10<\/div><\/td><td data-label="Estimated" class="num"><div>\$139\.40<\/div><\/td><td data-label="Billed" class="num"><div>\$142\.60<\/div><\/td><td data-label="Difference" class="num"><div>\+\$3\.20<\/div><\/td>/);
  expect(page).toContain("ticket-printer: bandwidth overage: billed $3.20, estimated as usage · $6.00 billed to tagged resources the plan does not list");
});
