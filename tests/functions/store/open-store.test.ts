import { chmodSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_EMBEDDED_DIR, connectStoreClient, openStore } from "../../../functions/src/store/open-store";
import type { BillingHistoryDay } from "../../../functions/src/store/types";

const DAY: BillingHistoryDay = { date: "2026-11-01", totalCostUsd: 1.5, monthToDateUsd: 1.5, costByService: { Droplets: 1.5 }, costByProject: {}, costByTag: {} };

jest.setTimeout(60_000);

/**
 * A temporary directory the embedded server may pass through. mkdtemp makes it private
 * (0700), and run as root the server runs as another account (PostgreSQL refuses root), which
 * could then not reach a store inside it; that case has its own test below.
 */
function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

describe("openStore", () => {
  it("defaults to an embedded PostgreSQL on disk that keeps its data across restarts", async () => {
    const dir = scratchDir("dcg-embedded-");
    try {
      const first = await openStore({ EMBEDDED_POSTGRES_DIR: join(dir, "postgres") });
      await first.upsertBillingHistory([DAY]);
      await first.close();

      const second = await openStore({ EMBEDDED_POSTGRES_DIR: join(dir, "postgres") });
      expect(await second.listBillingHistory("2026-11-01", "2026-11-01")).toEqual([DAY]);
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("creates the embedded store's directory and its missing parents", async () => {
    const dir = scratchDir("dcg-embedded-");
    const nested = join(dir, "not", "there", "yet", "postgres");
    try {
      const store = await openStore({ EMBEDDED_POSTGRES_DIR: nested }, { durable: false });
      await store.upsertBillingHistory([DAY]);
      expect(await store.listBillingHistory("2026-11-01", "2026-11-01")).toEqual([DAY]);
      await store.close();
      expect(existsSync(join(nested, "data", "PG_VERSION"))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("works on a fresh clone: the default directory is created under the working directory", async () => {
    const clone = scratchDir("dcg-fresh-clone-");
    const before = process.cwd();
    try {
      process.chdir(clone);
      expect(existsSync(DEFAULT_EMBEDDED_DIR)).toBe(false);
      const store = await openStore({}, { durable: false });
      await store.upsertBillingHistory([DAY]);
      await store.close();
      expect(existsSync(join(clone, DEFAULT_EMBEDDED_DIR, "data", "PG_VERSION"))).toBe(true);
    } finally {
      process.chdir(before);
      rmSync(clone, { recursive: true, force: true });
    }
  });

  it("lets two runs share the embedded store at once: the second joins the first's server, which outlives it", async () => {
    const dir = scratchDir("dcg-embedded-");
    try {
      const first = await connectStoreClient({ EMBEDDED_POSTGRES_DIR: dir }, { durable: false });
      const second = await connectStoreClient({ EMBEDDED_POSTGRES_DIR: dir }, { durable: false });
      const server = async (client: typeof first) => (await client.query<{ started: string }>("SELECT pg_postmaster_start_time()::text AS started"))[0]!.started;
      expect(await server(second)).toBe(await server(first));
      await second.close();
      expect(await first.query("SELECT 1 AS one")).toEqual([{ one: 1 }]);
      await first.close();
      expect(existsSync(join(dir, "data", "postmaster.pid"))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("run as root, stops with one line naming DATABASE_URL and EMBEDDED_POSTGRES_DIR when the server's account cannot reach the store (as anyone else, opens it)", async () => {
    const home = mkdtempSync(join(tmpdir(), "dcg-private-home-"));
    try {
      const opening = openStore({ EMBEDDED_POSTGRES_DIR: join(home, "repo", ".do-cost-guard", "postgres") }, { durable: false });
      if (process.getuid?.() === 0) {
        await expect(opening).rejects.toThrow(
          new RegExp(`^PostgreSQL refuses to run as root and the "\\w+" account it runs as cannot enter ${home}: set DATABASE_URL to a Postgres server, or EMBEDDED_POSTGRES_DIR to a directory it can reach$`),
        );
      } else {
        await (await opening).close();
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it("refuses a DATABASE_URL that is not a postgres URL without echoing it (it may hold a password)", async () => {
    await expect(openStore({ DATABASE_URL: "mysql://root:hunter2@db/x" })).rejects.toThrow(
      /^DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL$/,
    );
  });
});
