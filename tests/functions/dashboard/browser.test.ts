import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext } from "playwright-core";
import { formatUsd } from "../../../core/money";
import { launchBrowser } from "../../support/browser";
import { HOSTILE_PROJECT, PASSWORD, seededDays, startDashboard, USERNAME, type DashboardFixture } from "./dashboard-fixture";

let fixture: DashboardFixture;
let browser: Browser;
let context: BrowserContext;
const requestedUrls: string[] = [];
const consoleErrors: string[] = [];

beforeAll(async () => {
  fixture = await startDashboard(__filename);
  browser = await launchBrowser();
  context = await browser.newContext();
  context.on("request", (request) => requestedUrls.push(request.url()));
  context.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(message.text());
  });
  context.on("weberror", (error) => consoleErrors.push(error.error().message));
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await fixture?.close();
});

it("navigating without credentials is refused: the server answers 401 with a Basic challenge and no page shows", async () => {
  const page = await context.newPage();
  const answers: { status: number; challenge: string | undefined }[] = [];
  page.on("response", (response) => answers.push({ status: response.status(), challenge: response.headers()["www-authenticate"] }));
  // With no credentials to offer, full Chromium cancels the challenge and the navigation
  // fails; the headless shell (the npm package's build) shows the 401 answer instead.
  const navigation = await page.goto(`${fixture.baseUrl}/`).then(
    (response) => `answered ${response?.status()}`,
    (error: Error) => error.message,
  );
  expect(navigation).toMatch(/net::ERR_INVALID_AUTH_CREDENTIALS|^answered 401$/);
  expect(answers).toEqual([{ status: 401, challenge: 'Basic realm="do-cost-guard", charset="UTF-8"' }]);
  expect(await page.locator("#daily-chart").count()).toBe(0);
  await page.close();
});

it("renders the store's data: one bar per day with data, by service and by project, alerts, savings and stacks; no console error, nothing off loopback", async () => {
  await context.setHTTPCredentials({ username: USERNAME, password: PASSWORD, origin: fixture.baseUrl });
  consoleErrors.length = 0;
  const page = await context.newPage();
  await page.setViewportSize({ width: 1200, height: 900 });
  const response = await page.goto(`${fixture.baseUrl}/`);
  expect(response?.status()).toBe(200);

  // The chart spans 22 Sep … 20 Nov; the seed has data through 19 Nov: 9 + 31 + 19 = 59 bars.
  const expectedDays = seededDays().filter((day) => day.date >= "2026-09-22");
  expect(expectedDays).toHaveLength(59);
  const bars = page.locator("#daily-chart rect.bar");
  expect(await bars.count()).toBe(59);
  const drawn = await bars.evaluateAll((rects) => rects.map((r) => ({ date: r.getAttribute("data-date"), usd: Number(r.getAttribute("data-usd")), height: Number(r.getAttribute("height")) })));
  expect(drawn.map(({ date, usd }) => ({ date, usd }))).toEqual(expectedDays.map((day) => ({ date: day.date, usd: day.totalCostUsd })));
  // Taller bar for a dearer day: heights are proportional to cost on one scale.
  const ratio = drawn[0]!.height / drawn[0]!.usd;
  for (const bar of drawn) expect(bar.height / bar.usd).toBeCloseTo(ratio, 1);

  // Month to date 140.10 and projection 216.28 (arithmetic in api.test.ts).
  await expect(page.locator("#summary").innerText()).resolves.toMatch(/\$140\.10[\s\S]*46\.7% of the \$300\.00 account budget[\s\S]*\$216\.28[\s\S]*within the account budget[\s\S]*Account budget \(monthly\)/);

  // November, 19 days: Droplets 19 × 4 = 76.00, Managed Databases 19 × 2.50 = 47.50, Spaces 15.70, Bandwidth 0.90.
  const services = await page.locator("#by-service g.row").evaluateAll((rows) => rows.map((row) => row.getAttribute("data-key")));
  expect(services).toEqual(["Droplets", "Managed Databases", "Spaces", "Bandwidth"]);
  const serviceText = await page.locator("#by-service").innerText();
  for (const usd of [76, 47.5, 15.7, 0.9]) expect(serviceText).toContain(formatUsd(usd));
  // Projects: shop 76.00, api 47.50, the hostile name 15.70 + 0.90 = 16.60 — shown as text, not run.
  const projects = await page.locator("#by-project g.row").evaluateAll((rows) => rows.map((row) => row.getAttribute("data-key")));
  expect(projects).toEqual(["shop", "api", HOSTILE_PROJECT]);
  expect(await page.locator("#by-project").innerText()).toContain("$16.60");

  const events = await page.locator("#alert-events tbody tr").allInnerTexts();
  expect(events).toHaveLength(2);
  expect(events[0]).toContain("threshold:mtd-50:2026-11");
  expect(events[1]).toContain("spike:Spaces:2026-10-30");
  expect(await page.locator("#alert-definitions").innerText()).toContain("mtd-150");

  // Savings: the advisor's potential total, each suggestion, the untagged; each stack's estimate against its bill.
  await expect(page.locator("#savings-total").innerText()).resolves.toMatch(/\$31\.20\/month potential savings from 2 suggestions · [\d.]+% of this month's spend carries no key:value tag/);
  expect(await page.locator("#suggestions tbody tr").allInnerTexts()).toEqual([
    expect.stringMatching(/droplet old-batch\s+snapshot, then destroy\s+off for 10 days\s+\$19\.20/),
    expect.stringMatching(/loadBalancer old-lb\s+delete\s+forwards to no droplet\s+\$12\.00/),
  ]);
  expect(await page.locator("#untagged").innerText()).toContain("droplet console-made (missing owner)");
  expect(await page.locator("#stacks-table tbody tr").allInnerTexts()).toEqual([expect.stringMatching(/stack:restaurant-platform-prod\s+2026-10\s+\$139\.40\s+\$142\.60\s+\+\$3\.20/)]);

  expect(await page.locator("script").count()).toBe(0);
  expect(consoleErrors).toEqual([]);
  const hosts = new Set(requestedUrls.map((url) => new URL(url).hostname));
  expect([...hosts]).toEqual(["127.0.0.1"]);

  const shot = join(mkdtempSync(join(tmpdir(), "dcg-dashboard-shot-")), "dashboard.png");
  await page.screenshot({ path: shot, fullPage: true });
  process.stdout.write(`dashboard screenshot: ${shot}\n`);
  await page.close();
});
