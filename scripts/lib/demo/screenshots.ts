/**
 * The dashboard of a running demo in headless Chromium, signed in, at a viewport and colour
 * scheme: what `npm run screenshots` photographs for the README and what the screenshot tests
 * check (tests/scripts/demo-screenshots.test.ts), so both look at the same page the same way.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";

/** The two widths the dashboard is made for: a laptop and a phone (iPhone 12–15's CSS viewport). */
export const VIEWPORTS = {
  desktop: { width: 1280, height: 900 },
  phone: { width: 390, height: 844 },
} as const;
export type ViewportName = keyof typeof VIEWPORTS;
export type ColorScheme = "light" | "dark";

/** An open dashboard page; `close` ends its browser context. */
export interface DashboardView {
  page: Page;
  /** Console errors and page errors seen since the page opened. */
  consoleErrors: string[];
  /** Every URL the page requested. */
  requested: string[];
  close(): Promise<void>;
}

/**
 * Opens `url` signed in with `credentials`, at the viewport and colour scheme given, and waits
 * for it to load. Phones render at device scale 2 (their screens do), laptops at 1.
 */
export async function openDashboard(browser: Browser, url: string, credentials: { username: string; password: string }, viewport: ViewportName, colorScheme: ColorScheme): Promise<DashboardView> {
  const context: BrowserContext = await browser.newContext({
    viewport: VIEWPORTS[viewport],
    deviceScaleFactor: viewport === "phone" ? 2 : 1,
    isMobile: viewport === "phone",
    hasTouch: viewport === "phone",
    colorScheme,
    httpCredentials: { ...credentials, origin: new URL(url).origin },
  });
  const consoleErrors: string[] = [];
  const requested: string[] = [];
  context.on("request", (request) => requested.push(request.url()));
  context.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(message.text());
  });
  context.on("weberror", (error) => consoleErrors.push(error.error().message));
  const page = await context.newPage();
  const response = await page.goto(url, { waitUntil: "load" });
  if (response?.status() !== 200) {
    await context.close();
    throw new Error(`the dashboard answered ${response?.status() ?? "nothing"} at ${url}`);
  }
  return { page, consoleErrors, requested, close: () => context.close() };
}

/**
 * Writes a PNG of `page` (the whole page, or the first screen). Headless Chromium now and then
 * answers "Unable to capture screenshot" when its compositor is starved (a loaded machine): one
 * more try after a short wait gets the picture instead of failing the run.
 */
export async function capture(page: Page, path: string, fullPage: boolean): Promise<void> {
  try {
    await page.screenshot({ path, fullPage });
  } catch (error) {
    if (!/Unable to capture screenshot/.test((error as Error).message)) throw error;
    await page.waitForTimeout(500);
    await page.screenshot({ path, fullPage });
  }
}
