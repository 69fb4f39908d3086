import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_PGLITE_DIR, openStore } from "../../../functions/src/store/open-store";
import type { BillingHistoryDay } from "../../../functions/src/store/types";

const DAY: BillingHistoryDay = { date: "2026-11-01", totalCostUsd: 1.5, monthToDateUsd: 1.5, costByService: { Droplets: 1.5 }, costByProject: {}, costByTag: {} };

describe("openStore", () => {
  it("defaults to an embedded PGlite database on disk that keeps its data across restarts", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dcg-pglite-"));
    try {
      const first = await openStore({ PGLITE_DIR: join(dir, "pglite") });
      await first.upsertBillingHistory([DAY]);
      await first.close();

      const second = await openStore({ PGLITE_DIR: join(dir, "pglite") });
      expect(await second.listBillingHistory("2026-11-01", "2026-11-01")).toEqual([DAY]);
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("creates the embedded database's directory and its missing parents", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dcg-pglite-"));
    const nested = join(dir, "not", "there", "yet", "pglite");
    try {
      const store = await openStore({ PGLITE_DIR: nested });
      await store.upsertBillingHistory([DAY]);
      expect(await store.listBillingHistory("2026-11-01", "2026-11-01")).toEqual([DAY]);
      await store.close();
      expect(existsSync(join(nested, "PG_VERSION"))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("works on a fresh clone: the default directory is created under the working directory", async () => {
    const clone = mkdtempSync(join(tmpdir(), "dcg-fresh-clone-"));
    const before = process.cwd();
    try {
      process.chdir(clone);
      expect(existsSync(DEFAULT_PGLITE_DIR)).toBe(false);
      const store = await openStore({});
      await store.upsertBillingHistory([DAY]);
      await store.close();
      expect(existsSync(join(clone, DEFAULT_PGLITE_DIR, "PG_VERSION"))).toBe(true);
    } finally {
      process.chdir(before);
      rmSync(clone, { recursive: true, force: true });
    }
  });

  it("refuses a DATABASE_URL that is not a postgres URL without echoing it (it may hold a password)", async () => {
    await expect(openStore({ DATABASE_URL: "mysql://root:hunter2@db/x" })).rejects.toThrow(
      /^DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL$/,
    );
  });
});
