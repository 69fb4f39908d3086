import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { findChromium, launchBrowser, packagedChromium } from "../support/browser";

let server: Server;
let port: number;

beforeAll(async () => {
  server = createServer((_request, response) => {
    response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    response.end("<!doctype html><title>loopback</title><h1>served on loopback</h1>");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe("findChromium", () => {
  test("CHROMIUM_PATH wins over everything else", () => {
    expect(findChromium({ CHROMIUM_PATH: process.execPath })).toEqual({ path: process.execPath, source: "CHROMIUM_PATH", env: {} });
  });

  test("a CHROMIUM_PATH that points at nothing is an error naming the variable", () => {
    expect(() => findChromium({ CHROMIUM_PATH: "/nonexistent/chromium" })).toThrow("CHROMIUM_PATH points at nothing: /nonexistent/chromium");
  });

  test("without CHROMIUM_PATH: Debian's Chromium when installed, else the npm package's", () => {
    const found = findChromium({});
    expect(found.source).toBe(existsSync("/usr/bin/chromium") ? "/usr/bin/chromium" : "@sparticuz/chromium");
    expect(existsSync(found.path)).toBe(true);
  });
});

// The packaged Chromium is what a bare machine (no apt) runs, so it is exercised even where
// Debian's is installed.
describe("the Chromium from @sparticuz/chromium", () => {
  test("unpacks once and renders a loopback page; other host names, even localhost, do not resolve", async () => {
    const executable = packagedChromium();
    expect(executable.source).toBe("@sparticuz/chromium");
    expect(packagedChromium()).toEqual(executable);
    const browser = await launchBrowser(executable);
    try {
      const page = await browser.newPage();
      const response = await page.goto(`http://127.0.0.1:${port}/`);
      expect(response?.status()).toBe(200);
      await expect(page.locator("h1").innerText()).resolves.toBe("served on loopback");
      // localhost is loopback too, so trying it requests nothing outside the machine.
      await expect(page.goto(`http://localhost:${port}/`)).rejects.toThrow("net::ERR_NAME_NOT_RESOLVED");
    } finally {
      await browser.close();
    }
  });
});
