import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import http from "node:http";
import { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { createPriceCatalog } from "../../core/pricing";
import { formatCatalog, parseArgs, refreshPrices } from "../../scripts/refresh-prices";
import { validateRequest, validateResponse } from "../support/openapi";

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, "../..");
const TOKEN = "dop_v1_refresh_test_secret_0123456789";

// Responses built from the spec's `size` and `apps_instance_size` schemas; prices deliberately
// differ from prices.json so every kind of change shows up.
function size(slug: string, monthly: number, hourly: number) {
  return { slug, memory: 1024, vcpus: 1, disk: 25, transfer: 1, price_monthly: monthly, price_hourly: hourly, regions: ["nyc3"], available: true, description: "Basic" };
}
const PAGE_1 = [size("s-1vcpu-1gb", 6, 0.00893), size("s-1vcpu-2gb", 13, 0.01935)];
const PAGE_2 = [size("s-new-2vcpu-3gb", 20, 0.02976)];
const APP_SIZES = [
  { slug: "apps-s-1vcpu-0.5gb", name: "Shared 0.5", cpu_type: "SHARED", cpus: "1", memory_bytes: "536870912", usd_per_month: "5.00", usd_per_second: "0.000002066799", tier_slug: "basic" },
  { slug: "apps-d-1vcpu-0.5gb", name: "Dedicated 0.5", cpu_type: "DEDICATED", cpus: "1", memory_bytes: "536870912", usd_per_month: "29.00", usd_per_second: "0.000011987434", tier_slug: "professional" },
];

describe("npm run prices:refresh", () => {
  let server: http.Server;
  let apiUrl: string;
  let dir: string;
  const problems: string[] = [];
  const requests: string[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      requests.push(`${req.method} ${url.pathname}${url.search}`);
      if (req.headers.authorization !== `Bearer ${TOKEN}`) problems.push(`bad authorization on ${url.pathname}`);
      problems.push(...validateRequest(req.method ?? "GET", url.pathname, url.searchParams));
      let body: unknown;
      if (url.pathname === "/v2/sizes") {
        const page = url.searchParams.get("page") ?? "1";
        body =
          page === "1"
            ? { sizes: PAGE_1, links: { pages: { next: `${apiUrl}/v2/sizes?page=2&per_page=200`, last: `${apiUrl}/v2/sizes?page=2&per_page=200` } }, meta: { total: 3 } }
            : { sizes: PAGE_2, links: { pages: { first: `${apiUrl}/v2/sizes?page=1&per_page=200`, prev: `${apiUrl}/v2/sizes?page=1&per_page=200` } }, meta: { total: 3 } };
      } else if (url.pathname === "/v2/apps/tiers/instance_sizes") {
        body = { instance_sizes: APP_SIZES };
      } else {
        res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ id: "not_found", message: "no such path" }));
        return;
      }
      problems.push(...validateResponse(req.method ?? "GET", url.pathname, 200, body));
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "dcg-refresh-"));
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await fs.rm(dir, { recursive: true, force: true });
  });

  async function catalogCopy(name: string): Promise<{ file: string; original: string }> {
    const original = JSON.parse(await fs.readFile(path.join(ROOT, "core/pricing/prices.json"), "utf8"));
    // A section this script does not know must survive untouched.
    original.futureSection = { source: "https://example.invalid/later", asOf: "2026-01-01", anything: [1, 2, 3] };
    const text = formatCatalog(original);
    const file = path.join(dir, name);
    await fs.writeFile(file, text);
    return { file, original: text };
  }

  function script(args: string[], env: Record<string, string>) {
    return run(process.execPath, [require.resolve("ts-node/dist/bin.js"), "--transpile-only", "scripts/refresh-prices.ts", ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", ...env },
    });
  }

  test("rewrites only the droplet and App Platform sections, reports the changes, never prints the token", async () => {
    const { file, original } = await catalogCopy("prices.json");
    // The script dates the section by its own clock: the UTC day it ran, which may turn at midnight while it does.
    const utcDay = () => new Date().toISOString().slice(0, 10);
    const dayBefore = utcDay();
    const { stdout, stderr } = await script(["--catalog", file], { DIGITALOCEAN_TOKEN: TOKEN, DIGITALOCEAN_API_URL: apiUrl });
    const runDays = [dayBefore, utcDay()];

    expect(problems).toEqual([]);
    expect(requests.filter((r) => r.startsWith("GET /v2/sizes"))).toHaveLength(2);
    expect(requests).toContain("GET /v2/sizes?page=2&per_page=200");
    expect(`${stdout}${stderr}`).not.toContain(TOKEN);

    const written = await fs.readFile(file, "utf8");
    const after = JSON.parse(written);
    const before = JSON.parse(original);
    expect(runDays).toContain(after.droplets.asOf);
    expect(after.droplets).toEqual({
      source: `${apiUrl}/v2/sizes`,
      asOf: after.droplets.asOf,
      sourceKind: "official",
      sizes: [
        { slug: "s-1vcpu-1gb", monthlyUsd: 6, hourlyUsd: 0.00893 },
        { slug: "s-1vcpu-2gb", monthlyUsd: 13, hourlyUsd: 0.01935 },
        { slug: "s-new-2vcpu-3gb", monthlyUsd: 20, hourlyUsd: 0.02976 },
      ],
    });
    expect(after.appPlatformInstanceSizes.sizes).toEqual([
      { slug: "apps-s-1vcpu-0.5gb", monthlyUsd: 5 },
      { slug: "apps-d-1vcpu-0.5gb", monthlyUsd: 29 },
    ]);
    // Byte-stable elsewhere: putting the two old sections back restores the original text.
    expect(formatCatalog({ ...after, droplets: before.droplets, appPlatformInstanceSizes: before.appPlatformInstanceSizes })).toBe(original);
    expect(Object.keys(after)).toEqual(Object.keys(before));
    expect(() => createPriceCatalog(after)).not.toThrow();

    const removedDroplets = before.droplets.sizes.length - 2; // s-1vcpu-1gb and s-1vcpu-2gb stay
    expect(stdout).toContain(`droplets: 1 added, ${removedDroplets} removed, 1 changed`);
    expect(stdout).toContain("  + s-new-2vcpu-3gb");
    expect(stdout).toContain("  ~ s-1vcpu-2gb: 12 → 13");
    // apps-d-1vcpu-0.5gb is already in the catalog at the API's price; the sizes the API omits are reported removed.
    expect(stdout).not.toContain("apps-d-1vcpu-0.5gb");
    expect(stdout).toContain("  - apps-d-1vcpu-1gb");
    expect(stdout).toContain("  - apps-s-1vcpu-2gb");
    expect((await fs.readdir(dir)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  }, 30_000);

  test("--dry-run prints the changes and leaves the file alone", async () => {
    // In-process (same code path as the CLI's main) to keep this file fast.
    const { file, original } = await catalogCopy("dry.json");
    const lines: string[] = [];
    const result = await refreshPrices(parseArgs(["--catalog", file, "--dry-run"]), { DIGITALOCEAN_TOKEN: TOKEN, DIGITALOCEAN_API_URL: apiUrl }, (line) => lines.push(line));
    const stdout = lines.join("\n");
    expect(result.written).toBe(false);
    expect(result.droplets.added).toEqual(["s-new-2vcpu-3gb"]);
    expect(stdout).toContain("dry run");
    expect(stdout).toContain("  + s-new-2vcpu-3gb");
    expect(await fs.readFile(file, "utf8")).toBe(original);
  }, 30_000);

  test("without DIGITALOCEAN_TOKEN it fails, naming the variable", async () => {
    const { file } = await catalogCopy("notoken.json");
    await expect(script(["--catalog", file], { DIGITALOCEAN_API_URL: apiUrl })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining("DIGITALOCEAN_TOKEN is not set"),
    });
  }, 30_000);

  test("--help describes the options; unknown arguments are rejected by name", async () => {
    const { stdout } = await script(["--help"], {});
    expect(stdout).toContain("--catalog FILE");
    expect(stdout).toContain("--dry-run");
    expect(stdout).toContain("DIGITALOCEAN_TOKEN");
    expect(() => parseArgs(["--catalgo", "x"])).toThrow('unknown argument "--catalgo"');
    expect(() => parseArgs(["--catalog"])).toThrow("--catalog needs a file path");
  }, 30_000);
});
