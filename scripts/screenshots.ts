/**
 * `npm run screenshots`: refreshes the README's two pictures of the dashboard from the demo's
 * data: docs/dashboard-desktop.png (1280 px wide, the whole page) and docs/dashboard-phone.png
 * (390 × 844, the first screen, at device scale 2). Starts the demo as `npm run demo` does
 * (loopback only, a generated password), photographs it in headless Chromium, and stops it.
 */
import { join } from "node:path";
import { launchBrowser } from "../tests/support/browser";
import { startDemo } from "./demo";
import { capture, openDashboard } from "./lib/demo/screenshots";

/** Where the README's pictures live. */
export const README_SCREENSHOTS = {
  desktop: join(__dirname, "..", "docs", "dashboard-desktop.png"),
  phone: join(__dirname, "..", "docs", "dashboard-phone.png"),
} as const;

async function main(): Promise<void> {
  const demo = await startDemo({ log: (line) => process.stdout.write(`${line}\n`) });
  const browser = await launchBrowser();
  try {
    for (const viewport of ["desktop", "phone"] as const) {
      const view = await openDashboard(browser, demo.url, demo, viewport, "light");
      try {
        await capture(view.page, README_SCREENSHOTS[viewport], viewport === "desktop");
        if (view.consoleErrors.length > 0) throw new Error(`the page logged errors: ${view.consoleErrors.join("; ")}`);
      } finally {
        await view.close();
      }
      process.stdout.write(`wrote ${README_SCREENSHOTS[viewport]}\n`);
    }
  } finally {
    await browser.close();
    await demo.stop();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`screenshots: ${(error as Error).message}\n`);
    process.exit(1);
  });
}
