import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "../../../functions/src/store/open-store";
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

  it("refuses a DATABASE_URL that is not a postgres URL without echoing it (it may hold a password)", async () => {
    await expect(openStore({ DATABASE_URL: "mysql://root:hunter2@db/x" })).rejects.toThrow(
      /^DATABASE_URL must start with postgres:\/\/ or postgresql:\/\/$/,
    );
  });
});
