/**
 * The dashboard of a deployment with teams in headless Chromium (teams-fixture.ts): the
 * organisation overview sorted through its plain links, the team selector taking the reader
 * to each team's page and back, and a team's own password showing that team alone; and the
 * overview and the selector holding up as the rest of the page does (a 390 px phone, dark mode,
 * AA contrast, the keyboard alone).
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { launchBrowser } from "../../support/browser";
import { contrastProblems, DASHBOARD_SECTIONS, horizontalOverflow } from "../../support/dashboard-page";
import { MARKERS, PASSWORD, SORTED, startTeamsDashboard, TEAM_PASSWORDS, USERNAME, type TeamsFixture } from "./teams-fixture";

let fixture: TeamsFixture;
let browser: Browser;
const requestedHosts = new Set<string>();
const consoleErrors: string[] = [];

beforeAll(async () => {
  fixture = await startTeamsDashboard(__filename);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await fixture?.close();
});

/** A context signed in with `password` (the dashboard's by default), watched for console errors and off-loopback requests. */
async function signedIn(password = PASSWORD): Promise<BrowserContext> {
  const context = await browser.newContext({ httpCredentials: { username: USERNAME, password, origin: fixture.baseUrl } });
  context.on("request", (request) => requestedHosts.add(new URL(request.url()).hostname));
  context.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(message.text());
  });
  context.on("weberror", (error) => consoleErrors.push(error.error().message));
  return context;
}

async function open(context: BrowserContext, path: string, viewport = { width: 1280, height: 900 }, colorScheme: "light" | "dark" = "light"): Promise<Page> {
  const page = await context.newPage();
  await page.setViewportSize(viewport);
  await page.emulateMedia({ colorScheme });
  const response = await page.goto(`${fixture.baseUrl}${path}`);
  expect(response?.status()).toBe(200);
  return page;
}

/** The overview's team rows, top to bottom. */
function rowOrder(page: Page): Promise<(string | null)[]> {
  return page.locator("#teams-overview tbody tr:not(.total)").evaluateAll((rows) => rows.map((row) => row.getAttribute("data-team")).filter((team) => team !== "@unassigned"));
}

it("the overview lists every team's month against its budget with the organisation's total, and each sort link reorders it", async () => {
  consoleErrors.length = 0;
  const context = await signedIn();
  const page = await open(context, "/");
  expect(await page.locator("h1").innerText()).toBe("DigitalOcean cost · organisation · 2026-11");
  expect(await rowOrder(page)).toEqual([...SORTED.spend]);
  expect(await page.locator('#teams-overview tr[data-team="shop"]').innerText()).toMatch(/^shop\s+\$97\.10\s+\$200\.00 · 48\.6% used\s+\$148\.98\s+\$31\.20$/);
  expect(await page.locator('#teams-overview tr[data-team="client-a"]').innerText()).toMatch(
    /^client-a\s+tracked from organisation insights only \(daily\), no advice or clean-up\s+\$48\.00\s+\$300\.00 · 16\.0% used\s+\$110\.25\s+not analysed$/,
  );
  expect(await page.locator('#teams-overview tr[data-team="@unassigned"]').innerText()).toMatch(/^\(teams not in the config\)\s+\$4\.75\s+–\s+\$7\.34\s+–$/);
  // The total is the sum of the rows above it: 97.10 + 51.70 + 48.00 + 4.75; 148.98 + 56.89 + 110.25 + 7.34.
  expect(await page.locator("#teams-overview tr.total").innerText()).toMatch(/^Organisation total\s+\$201\.55\s+\$500\.00 · 40\.3% used\s+\$323\.46\s+\$79\.20$/);
  expect(await page.locator("#summary").innerText()).toMatch(/Organisation month to date\s+\$201\.55\s+3 teams · 40\.3% of the \$500\.00 organisation budget/);

  for (const [sort, order] of Object.entries(SORTED)) {
    const link = page.locator(`#overview-sort a[href="?sort=${sort}"]`);
    await Promise.all([page.waitForURL(`**/?sort=${sort}`), link.click()]);
    expect([sort, await rowOrder(page)]).toEqual([sort, [...order]]);
    expect(await page.locator('#overview-sort a[aria-current="true"]').getAttribute("href")).toBe(`?sort=${sort}`);
    // Plain links, no script and no form: what the CSP allows.
    expect(await page.locator("script, form").count()).toBe(0);
  }
  expect(consoleErrors).toEqual([]);
  expect([...requestedHosts]).toEqual(["127.0.0.1"]);
  await context.close();
});

it("the team selector and the team names are links to each team's full page, and back to the organisation", async () => {
  const context = await signedIn();
  const page = await open(context, "/?sort=name");
  expect(await page.locator("#team-selector a").allInnerTexts()).toEqual(["Organisation", "shop", "lab", "client-a"]);
  expect(await page.locator('#team-selector a[aria-current="page"]').innerText()).toBe("Organisation");

  await Promise.all([page.waitForURL("**/?team=lab"), page.locator("#team-selector a", { hasText: "lab" }).click()]);
  expect(await page.locator("h1").innerText()).toBe("DigitalOcean cost · lab · 2026-11");
  expect(await page.locator('#team-selector a[aria-current="page"]').innerText()).toBe("lab");
  for (const id of DASHBOARD_SECTIONS) expect([id, await page.locator(`#${id}`).count()]).toEqual([id, 1]);
  expect(await page.locator("#summary").innerText()).toMatch(/\$51\.70[\s\S]*of the \$400\.00 team budget/);
  expect(await page.locator("#suggestions tbody tr").allInnerTexts()).toEqual([expect.stringMatching(/^droplet lab-training-box/)]);
  expect(await page.locator("main").innerText()).not.toMatch(new RegExp([...MARKERS.shop, ...MARKERS["client-a"]].join("|")));

  await Promise.all([page.waitForURL((url) => url.search === ""), page.locator("#team-selector a", { hasText: "Organisation" }).click()]);
  expect(await page.locator("h1").innerText()).toBe("DigitalOcean cost · organisation · 2026-11");

  // A team's name in the overview opens its page: the insights-only team says what it lacks.
  await Promise.all([page.waitForURL("**/?team=client-a"), page.locator('#teams-overview tr[data-team="client-a"] a').click()]);
  expect(await page.locator("#insights-only").innerText()).toBe("Team client-a is tracked from organisation insights only (daily), no advice or clean-up.");
  expect(await page.locator("#savings").innerText()).toContain("Not analysed");
  expect(await page.locator("#cleanup").innerText()).toContain("Not analysed");
  await context.close();
});

it("a team's own password shows that team alone: no overview, no selector, no other team's data, and another team's page is refused", async () => {
  const context = await signedIn(TEAM_PASSWORDS["client-a"]);
  const page = await open(context, "/");
  expect(await page.locator("h1").innerText()).toBe("DigitalOcean cost · client-a · 2026-11");
  expect(await page.locator("#team-selector, #teams-overview").count()).toBe(0);
  const text = await page.locator("body").innerText();
  expect(text).toContain("client-a-site");
  for (const marker of [...MARKERS.shop, ...MARKERS.lab, ...MARKERS["@unassigned"]]) expect([marker, text.includes(marker)]).toEqual([marker, false]);
  expect(text).not.toMatch(/\bshop\b|\blab\b|organisation total/i);

  for (const path of ["/?team=shop", "/?team=lab", "/?team=nobody"]) {
    const refused = await page.goto(`${fixture.baseUrl}${path}`);
    expect([path, refused?.status()]).toEqual([path, 403]);
    const body = await page.locator("body").innerText();
    expect(body).toBe(JSON.stringify({ error: "this password opens team client-a's view only" }));
  }
  await context.close();
});

it("the overview and a team's page with its selector fit a 390 px phone: nothing wider than the screen, the overview as label: value rows", async () => {
  const context = await signedIn();
  for (const path of ["/", "/?team=shop"]) {
    const page = await open(context, path, { width: 390, height: 844 });
    expect([path, await horizontalOverflow(page)]).toEqual([path, { scrollWidth: 390, innerWidth: 390, outside: [] }]);
    // The selector wraps onto lines of its own inside the header.
    const links = await page.locator("#team-selector a").evaluateAll((as) => as.map((a) => a.getBoundingClientRect().right));
    expect(Math.max(...links)).toBeLessThanOrEqual(390);
    await page.close();
  }
  const page = await open(context, "/", { width: 390, height: 844 });
  expect(await page.locator("#teams-overview thead").boundingBox()).toMatchObject({ width: 1, height: 1 });
  const cells = await page.locator('#teams-overview tr[data-team="shop"] td').evaluateAll((tds) =>
    tds.map((td) => ({ label: getComputedStyle(td, "::before").content, text: (td as HTMLElement).innerText, left: Math.round(td.getBoundingClientRect().left) })),
  );
  expect(cells.map((cell) => [cell.label, cell.text])).toEqual([
    ['"Team"', "shop"],
    ['"Month to date"', "$97.10"],
    ['"Budget"', "$200.00 · 48.6% used"],
    ['"Projected"', "$148.98"],
    ['"Savings/month"', "$31.20"],
  ]);
  expect(new Set(cells.map((cell) => cell.left)).size).toBe(1);
  // Sort links stay reachable on a phone, where the table's header row is hidden.
  expect(await page.locator("#overview-sort a").evaluateAll((as) => as.every((a) => a.getBoundingClientRect().width > 0))).toBe(true);
  await context.close();
});

it.each(["light", "dark"] as const)("every text of the overview and of a team's page with its selector meets WCAG AA contrast in the %s scheme", async (scheme) => {
  const context = await signedIn();
  for (const path of ["/", "/?team=shop", "/?team=client-a"]) {
    for (const viewport of [{ width: 1280, height: 900 }, { width: 390, height: 844 }]) {
      const page = await open(context, path, viewport, scheme);
      const { checked, problems } = await contrastProblems(page);
      expect([path, viewport.width, checked > 20]).toEqual([path, viewport.width, true]);
      expect([path, viewport.width, problems]).toEqual([path, viewport.width, []]);
      await page.close();
    }
  }
  await context.close();
});

it("works with the keyboard alone: skip link, then the selector's links with visible focus; Enter follows a link", async () => {
  const context = await signedIn();
  const page = await open(context, "/");
  const focused = () =>
    page.evaluate(() => {
      const active = document.activeElement as HTMLElement;
      const style = getComputedStyle(active);
      return { text: active.textContent, href: active.getAttribute("href"), outline: style.outlineStyle, width: style.outlineWidth };
    });
  await page.keyboard.press("Tab");
  expect(await focused()).toMatchObject({ text: "Skip to the figures", href: "#main", outline: "solid" });
  const selector: (string | null)[] = [];
  for (let i = 0; i < 4; i++) {
    await page.keyboard.press("Tab");
    const now = await focused();
    expect([now.outline, now.width]).toEqual(["solid", "3px"]);
    selector.push(now.text);
  }
  expect(selector).toEqual(["Organisation", "shop", "lab", "client-a"]);
  // On through the overview: the sort links, then the team names, each focus visible.
  const sortAndTeams: (string | null)[] = [];
  for (let i = 0; i < 8; i++) {
    await page.keyboard.press("Tab");
    const now = await focused();
    expect(now.outline).toBe("solid");
    sortAndTeams.push(now.href);
  }
  expect(sortAndTeams).toEqual(["?sort=spend", "?sort=budget", "?sort=projection", "?sort=savings", "?sort=name", "?team=shop", "?team=lab", "?team=client-a"]);
  await Promise.all([page.waitForURL("**/?team=client-a"), page.keyboard.press("Enter")]);
  expect(await page.locator("h1").innerText()).toBe("DigitalOcean cost · client-a · 2026-11");
  await context.close();
});
