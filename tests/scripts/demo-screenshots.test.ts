/**
 * The demo's dashboard photographed where founders read it: 1280 × 900 and 390 × 844, light and
 * dark. Each picture must show every section with content (the demo's month fills them all), no
 * horizontal scrolling, no console error, every text at WCAG AA contrast and nothing requested
 * off loopback. The PNGs are kept as test artefacts under test-artifacts/screenshots/ (git-ignored;
 * the README's pictures are docs/*.png, made by `npm run screenshots`).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { startDemo, type RunningDemo } from "../../scripts/demo";
import { capture, openDashboard, type ColorScheme, type ViewportName } from "../../scripts/lib/demo/screenshots";
import { launchBrowser } from "../support/browser";
import { DEMO_WASTE } from "../support/fake-do-api/demo-month";
import { contrastProblems, DASHBOARD_SECTIONS, horizontalOverflow, sectionContents } from "../support/dashboard-page";

/** Where the screenshots are kept for a person (or CI) to look at. */
const ARTEFACTS = join(__dirname, "..", "..", "test-artifacts", "screenshots");

let demo: RunningDemo;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(ARTEFACTS, { recursive: true });
  // The demo's warnings and dashboard failures are what would explain a failing picture.
  const log = (line: string) => {
    if (/^(dashboard|stacks|tracker: warning)/.test(line)) process.stdout.write(`demo: ${line}\n`);
  };
  [demo, browser] = await Promise.all([startDemo({ log }), launchBrowser()]);
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
});

const SHOTS: [ViewportName, ColorScheme][] = [
  ["desktop", "light"],
  ["desktop", "dark"],
  ["phone", "light"],
  ["phone", "dark"],
];

it.each(SHOTS)("%s, %s: every section full, nothing wider than the screen, no console error, AA contrast; kept as a PNG", async (viewport, scheme) => {
  const view = await openDashboard(browser, demo.url, demo, viewport, scheme);
  try {
    const file = join(ARTEFACTS, `dashboard-${viewport}-${scheme}.png`);
    await capture(view.page, file, true);
    process.stdout.write(`screenshot: ${file}\n`);

    const overflow = await horizontalOverflow(view.page);
    expect(overflow.outside).toEqual([]);
    expect(overflow.scrollWidth).toBeLessThanOrEqual(overflow.innerWidth);

    const sections = await sectionContents(view.page);
    for (const id of DASHBOARD_SECTIONS) {
      // Present, with more than its heading, and no "nothing recorded yet" note.
      expect([id, sections[id]!.present, sections[id]!.emptyNotes]).toEqual([id, true, []]);
      expect([id, sections[id]!.textLength > 60]).toEqual([id, true]);
    }

    const { problems } = await contrastProblems(view.page);
    expect(problems).toEqual([]);
    expect(view.consoleErrors).toEqual([]);
    expect([...new Set(view.requested.map((url) => new URL(url).hostname))]).toEqual(["127.0.0.1"]);
  } finally {
    await view.close();
  }
});

it("shows what the demo replayed: savings from each kind of waste, clean-up's mark, the stack reconciled, cost per restaurant, allocation by tag", async () => {
  const view = await openDashboard(browser, demo.url, demo, "desktop", "light");
  try {
    const { page } = view;
    const rules = await page.locator("#suggestions tbody tr").evaluateAll((rows) => rows.map((row) => row.getAttribute("data-rule")));
    expect([...rules].sort()).toEqual(["droplet-idle-downsize", "droplet-powered-off", "load-balancer-idle", "reserved-ip-unassigned", "snapshot-old", "volume-unattached"]);
    expect(await page.locator("#cleanup-marks tbody tr").evaluateAll((rows) => rows.map((row) => [row.getAttribute("data-resource"), row.getAttribute("data-state")]))).toEqual([
      [`droplet:${DEMO_WASTE.expiring.id}`, "marked"],
    ]);
    expect(demo.replay.cleanup).toEqual({ marked: 1 });
    expect(await page.locator('#stacks-table tr[data-stack="stack:restaurant-platform-prod"]').innerText()).toMatch(/2026-02[\s\S]*\$139\.40/);
    expect(await page.locator("#units-month").innerText()).toMatch(/^\$[\d.]+ per active restaurant this month: \$[\d,.]+ ÷ 140 \(count read 28 Mar 07:00\)\.$/);
    expect(await page.locator("#by-tag [data-tag-key]").evaluateAll((keys) => keys.map((key) => key.getAttribute("data-tag-key")))).toEqual(expect.arrayContaining(["env", "owner", "service", "stack"]));
    // "Last fired" agrees with the alerts that fired: no "never" beside a threshold that did.
    expect(await page.locator('#alert-definitions tr[data-alert="mtd-300"]').innerText()).not.toContain("never");
    expect(await page.locator('#alert-definitions tr[data-alert="mtd-400"]').innerText()).toContain("never");
  } finally {
    await view.close();
  }
});
