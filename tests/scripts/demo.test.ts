/**
 * `npm run demo` end to end: the script started as `npm run demo` starts it (ts-node, its own
 * process), its printed URL and password used by headless Chromium, the page checked against
 * the seeded month, and Ctrl-C (SIGINT) ending it cleanly with its temporary data gone.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext } from "playwright-core";
import { formatUsd } from "../../core/money";
import { DEMO_HELP, parseDemoArgs } from "../../scripts/demo";
import { launchBrowser } from "../support/browser";
import { DEMO_NOW, DEMO_WASTE, createDemoScenario, demoMonthToDateUsd } from "../support/fake-do-api/demo-month";

const REPO = join(__dirname, "..", "..");
// Start-up is seconds on a quiet machine; the allowance is for a CI box running other suites.
const START_TIMEOUT_MS = 240_000;

interface Printed {
  url: string;
  username: string;
  password: string;
  dataDir: string;
  readyLine: string;
}

let demo: ChildProcessWithoutNullStreams;
let output = "";
let printed: Printed;
let browser: Browser;
let context: BrowserContext;
const requestedUrls: string[] = [];
const consoleErrors: string[] = [];

/** Resolves with what the demo printed once it says it is ready; rejects if it exits first. */
function waitForReady(child: ChildProcessWithoutNullStreams): Promise<Printed> {
  // Everything it prints is kept (and the pipes drained) for the whole test, not just until ready.
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  return new Promise((resolve, reject) => {
    const onData = () => {
      const url = /^Dashboard: (http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(output)?.[1];
      const username = /^ {2}username: (\S+)$/m.exec(output)?.[1];
      const password = /^ {2}password: (\S+)$/m.exec(output)?.[1];
      const readyLine = /^Ready in .*$/m.exec(output)?.[0];
      const dataDir = /temporary database \((.+?)\) is deleted/.exec(output)?.[1];
      if (url && username && password && readyLine && dataDir) {
        child.stdout.off("data", onData);
        child.off("exit", onExit);
        resolve({ url, username, password, dataDir, readyLine });
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => reject(new Error(`the demo exited (${code ?? signal}) before it was ready:\n${output}`));
    child.stdout.on("data", onData);
    child.once("exit", onExit);
  });
}

describe("the command line", () => {
  it("takes --port and --every, and --help", () => {
    expect(parseDemoArgs([])).toEqual({ port: 0, checkEveryHours: 12 });
    expect(parseDemoArgs(["--port", "8080", "--every", "1"])).toEqual({ port: 8080, checkEveryHours: 1 });
    expect(parseDemoArgs(["--port", "8080", "-h"])).toBe("help");
    expect(DEMO_HELP).toMatch(/--port N[\s\S]*--every HOURS[\s\S]*Ctrl-C/);
  });

  it("refuses a bad port, a cadence that misses the report hour, and unknown options, naming each", () => {
    expect(() => parseDemoArgs(["--port", "http"])).toThrow('--port must be a port number 0-65535 (got "http")');
    expect(() => parseDemoArgs(["--port", "70000"])).toThrow('(got "70000")');
    expect(() => parseDemoArgs(["--port"])).toThrow('(got "")');
    expect(() => parseDemoArgs(["--every", "5"])).toThrow('--every must be one of 1, 2, 3, 4, 6, 12 hours (got "5")');
    expect(() => parseDemoArgs(["--host", "0.0.0.0"])).toThrow('unknown option "--host"');
  });
});

describe("npm run demo, end to end", () => {
  beforeAll(async () => {
    demo = spawn(process.execPath, [require.resolve("ts-node/dist/bin.js"), "--transpile-only", "scripts/demo.ts"], { cwd: REPO });
    [printed, browser] = await Promise.all([waitForReady(demo), launchBrowser()]);
    process.stdout.write(`npm run demo: ${printed.readyLine}\n`);
    context = await browser.newContext();
    context.on("request", (request) => requestedUrls.push(request.url()));
    context.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(message.text());
    });
    context.on("weberror", (error) => consoleErrors.push(error.error().message));
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    if (demo && demo.exitCode === null && demo.signalCode === null) demo.kill("SIGTERM");
  });

  it("prints a loopback URL, the dashboard's username and a generated password of at least 16 characters", () => {
    expect(new URL(printed.url).hostname).toBe("127.0.0.1");
    expect(printed.username).toBe("do-cost-guard");
    expect(printed.password.length).toBeGreaterThanOrEqual(16);
    expect(existsSync(printed.dataDir)).toBe(true);
  });

  it("refuses the dashboard without the password, or with a wrong one", async () => {
    const anonymous = await fetch(printed.url);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toMatch(/^Basic realm=/);
    const wrong = await fetch(printed.url, { headers: { authorization: `Basic ${Buffer.from(`${printed.username}:not-the-password`).toString("base64")}` } });
    expect(wrong.status).toBe(401);
  });

  it("shows the replayed month in Chromium: a bar for each of 60 days, March adding up to the seeded month to date, breakdowns and fired alerts", async () => {
    await context.setHTTPCredentials({ username: printed.username, password: printed.password, origin: new URL(printed.url).origin });
    consoleErrors.length = 0;
    const page = await context.newPage();
    await page.setViewportSize({ width: 1200, height: 900 });
    const response = await page.goto(printed.url);
    expect(response?.status()).toBe(200);

    // 60 days to 28 March: 28 Jan … 31 Jan and February back-filled by `history`, March measured by the checks.
    const bars = await page.locator("#daily-chart rect.bar").evaluateAll((rects) => rects.map((r) => ({ date: r.getAttribute("data-date") ?? "", usd: Number(r.getAttribute("data-usd")) })));
    expect(bars).toHaveLength(60);
    expect([bars[0]!.date, bars[59]!.date]).toEqual(["2026-01-28", "2026-03-28"]);
    for (const bar of bars) expect(bar.usd).toBeGreaterThan(0);

    const scenario = createDemoScenario();
    const monthToDate = demoMonthToDateUsd(scenario, DEMO_NOW);
    const cents = (prefix: string) => bars.filter((bar) => bar.date.startsWith(prefix)).reduce((sum, bar) => sum + Math.round(bar.usd * 100), 0);
    expect(cents("2026-03")).toBe(Math.round(monthToDate * 100));
    const february = scenario.state.invoices.find((invoice) => invoice.invoice_period === "2026-02");
    expect(cents("2026-02")).toBe(Math.round(Number(february?.amount) * 100));
    // The campaign's transfer overage makes the 20th the dearest day by far.
    const dearest = bars.reduce((top, bar) => (bar.usd > top.usd ? bar : top));
    expect(dearest.date).toBe("2026-03-20");

    expect(await page.locator("#summary").innerText()).toContain(formatUsd(monthToDate));
    const services = await page.locator("#by-service li[data-key]").evaluateAll((rows) => rows.map((row) => row.getAttribute("data-key")));
    expect([...services].sort()).toEqual(["App Platform", "Bandwidth", "Droplets", "Load Balancers", "Managed Databases", "Spaces Subscription", "Volumes"]);
    const projects = await page.locator("#by-project li[data-key]").evaluateAll((rows) => rows.map((row) => row.getAttribute("data-key")));
    expect(projects).toEqual(["restaurant-prod", "restaurant-staging"]);

    // The keys are in each alert's disclosure; the sentence is what reads.
    const keys = (await page.locator("#alert-events details code").allTextContents()).join("\n");
    for (const key of ["threshold:mtd-100:2026-03", "threshold:mtd-200:2026-03", "threshold:mtd-300:2026-03", "forecast:2026-03", "spike:Bandwidth:2026-03-20"]) expect(keys).toContain(key);
    expect(keys).toMatch(/app-memory:/);
    expect(keys).not.toContain("mtd-400");
    expect(await page.locator("#alert-events").innerText()).toContain("restaurant-web memory at ");
    // The advisor ran with the daily reports, and the example's plan was reconciled with February's bill.
    expect(await page.locator("#suggestions tbody tr").count()).toBeGreaterThanOrEqual(6);
    expect(await page.locator('#stacks-table tr[data-stack="stack:restaurant-platform-prod"]').innerText()).toContain("2026-02");
    // The clean-up dry run marked the droplet whose expires: date is two days off; its preview reached the demo's receiver, and nothing acts.
    expect(await page.locator("#cleanup-mode").innerText()).toMatch(/^Clean-up runs as a dry run \(cleanup\.apply is off\)/);
    const { id, name, expires } = DEMO_WASTE.expiring;
    expect(expires).toBe("2026-03-30");
    expect(await page.locator(`#cleanup-marks tr[data-resource="droplet:${id}"]`).innerText()).toMatch(
      new RegExp(`^droplet ${name}\\s+30 Mar\\s+snapshot, then destroy\\s+preview 28 Mar \\(does not count\\)\\s+not while apply is off\\s+Marked: no notice delivered yet`),
    );
    expect(output).toMatch(/^ {2}clean-up \(a dry run: previews only, nothing changed\): 1 resource\(s\) marked by their expires: tag$/m);

    expect(consoleErrors).toEqual([]);
    expect([...new Set(requestedUrls.map((url) => new URL(url).hostname))]).toEqual(["127.0.0.1"]);
    await page.close();
  });

  it("stops on Ctrl-C (SIGINT): exit status 0, the port closed, the temporary database deleted", async () => {
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => demo.once("exit", (code, signal) => resolve({ code, signal })));
    demo.kill("SIGINT");
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(output).toContain("demo stopped; temporary data removed.");
    expect(existsSync(printed.dataDir)).toBe(false);
    await expect(fetch(printed.url)).rejects.toThrow();
  }, 60_000);
});
