/**
 * A fresh embedded database for the demo, fast. Creating a PGlite data directory runs
 * Postgres's initdb compiled to WASM, about 10 s of CPU here, while opening an existing one
 * takes about 2 s. So the first demo builds an empty, migrated database once under
 * `.do-cost-guard/demo-template/` (git-ignored, beside the CLI's own embedded database) and
 * every demo starts from a copy of it in its own temporary directory. The template is keyed
 * by the PGlite version and the migrations, so an upgrade of either builds a new one (and
 * removes the old).
 */
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { migrate, MIGRATIONS } from "../../../functions/src/store/migrations";
import { connectStoreClient } from "../../../functions/src/store/open-store";

/** Where templates live: the repository's `.do-cost-guard/`, the embedded database's home. */
export const DEMO_TEMPLATE_ROOT = resolve(__dirname, "../../../.do-cost-guard/demo-template");

/** PGlite's data directory format follows its version; the schema follows the migrations. */
function templateKey(): string {
  const pglitePackage = join(dirname(require.resolve("@electric-sql/pglite")), "..", "package.json");
  const version = (JSON.parse(readFileSync(pglitePackage, "utf8")) as { version: string }).version;
  const schema = createHash("sha256").update(JSON.stringify(MIGRATIONS)).digest("hex").slice(0, 16);
  return `pglite-${version}-schema-${schema}`;
}

/**
 * Fills `target` (which must not exist yet) with an empty database at the current schema,
 * copied from the template; builds the template first when there is none. Returns whether it
 * had to build it. Two demos starting at once each build their own and the first rename wins.
 */
export async function prepareDemoDatabase(target: string, templateRoot = DEMO_TEMPLATE_ROOT): Promise<{ builtTemplate: boolean }> {
  const template = join(templateRoot, templateKey());
  let builtTemplate = false;
  if (!existsSync(join(template, "PG_VERSION"))) {
    mkdirSync(templateRoot, { recursive: true });
    const building = `${template}.building-${process.pid}`;
    rmSync(building, { recursive: true, force: true });
    const db = await connectStoreClient({ PGLITE_DIR: building });
    try {
      await migrate(db);
    } finally {
      await db.close();
    }
    try {
      renameSync(building, template);
    } catch {
      // Another demo finished its template first; theirs is as good as ours.
      rmSync(building, { recursive: true, force: true });
    }
    builtTemplate = true;
    // Templates of older schemas or PGlite versions are never used again (~40 MB each).
    for (const entry of readdirSync(templateRoot)) {
      if (!entry.includes(".building-") && join(templateRoot, entry) !== template) rmSync(join(templateRoot, entry), { recursive: true, force: true });
    }
  }
  cpSync(template, target, { recursive: true });
  return { builtTemplate };
}
