/**
 * The embedded PostgreSQL where a checkout may lie: run as root (PostgreSQL refuses root, so
 * the server runs as another account) from a directory that account cannot enter, its binaries
 * are copied where it can run them; a store directory it cannot reach stops the start with one
 * line saying what to set. Also: a server whose owning process died is taken over.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { firstClosedDirectory, postgresBinaries, startEmbeddedPostgres, type PostgresBinaries } from "../../../functions/src/store/embedded-postgres";
import { postgresAnswers } from "../../support/postgres";

jest.setTimeout(120_000);

const asRoot = process.getuid?.() === 0;
const scratch: string[] = [];
afterAll(() => scratch.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A directory only its creator may enter (mkdtemp makes it 0700), as `mktemp -d` or /root is. */
function privateDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

describe("firstClosedDirectory", () => {
  it("names the first directory on the way that an account may not search, by owner, group or other bits", () => {
    const root = privateDir("dcg-closed-");
    chmodSync(root, 0o755);
    mkdirSync(join(root, "open", "shut", "inner"), { recursive: true });
    chmodSync(join(root, "open"), 0o755);
    chmodSync(join(root, "open", "shut"), 0o750);
    const stranger = { uid: 424_242, gid: 424_242 };
    const sameGroup = { uid: 424_242, gid: statSync(root).gid };
    expect(firstClosedDirectory(join(root, "open", "shut", "inner"), stranger)).toBe(join(root, "open", "shut"));
    expect(firstClosedDirectory(join(root, "open", "shut", "inner"), sameGroup)).toBeUndefined();
    expect(firstClosedDirectory(join(root, "open", "not-yet-made"), stranger)).toBeUndefined();
  });
});

describe("as root, from a checkout the server's account cannot enter", () => {
  // Run as anyone else, the server runs as that same user, who can reach its own checkout.
  const account = asRoot ? spawnSync("id", ["-u", "postgres"]).status === 0 ? "postgres" : "nobody" : undefined;

  it("copies the binaries where the server's account can run them (or, not as root, runs them where they are)", async () => {
    const checkout = privateDir("dcg-private-checkout-");
    const installed = postgresBinaries();
    cpSync(installed.root, join(checkout, "native"), { recursive: true, verbatimSymlinks: true });
    const binaries: PostgresBinaries = { root: join(checkout, "native"), version: `test-${process.pid}` };
    const shared = join(tmpdir(), `do-cost-guard-postgres-${binaries.version}-${process.platform}-${process.arch}`);
    scratch.push(shared);
    const store = privateDir("dcg-store-");
    const server = await startEmbeddedPostgres({ dir: store, durable: false, binaries });
    try {
      expect(await postgresAnswers(server.url)).toBe(true);
      const running = readlinkSync(`/proc/${server.pid}/exe`);
      if (asRoot) {
        expect(running).toBe(join(shared, "bin", "postgres"));
        // Root's, and writable by no one else: no other user can swap the binaries root starts.
        expect(statSync(shared).uid).toBe(0);
        expect(statSync(shared).mode & 0o022).toBe(0);
        expect(statSync(server.dataDir).uid).toBe(Number(spawnSync("id", ["-u", account!], { encoding: "utf8" }).stdout.trim()));
      } else {
        expect(running).toBe(join(checkout, "native", "bin", "postgres"));
        expect(existsSync(shared)).toBe(false);
      }
    } finally {
      await server.stop();
    }
  });

  it("stops with one line that says what to set when the server's account cannot reach the store's directory (or, not as root, starts)", async () => {
    const closed = privateDir("dcg-private-home-");
    const store = join(closed, "repo", ".do-cost-guard", "postgres");
    if (asRoot) {
      const started = startEmbeddedPostgres({ dir: store, durable: false });
      await expect(started).rejects.toThrow(
        new RegExp(`^PostgreSQL refuses to run as root and the "${account}" account it runs as cannot enter ${closed}: set DATABASE_URL to a Postgres server, or the embedded store's directory to a directory it can reach$`),
      );
      await expect(started).rejects.toThrow(/^[^\n]*$/);
    } else {
      const server = await startEmbeddedPostgres({ dir: store, durable: false });
      expect(await postgresAnswers(server.url)).toBe(true);
      await server.stop();
    }
  });
});

describe("a server whose owner died", () => {
  it("is taken over by the next process that opens the store, which then stops it", async () => {
    const store = privateDir("dcg-orphan-");
    const first = await startEmbeddedPostgres({ dir: store, durable: false });
    // The owner was killed (SIGKILL: no chance to stop the server): its pid is gone.
    const gone = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" }).stdout;
    writeFileSync(join(store, "server-owner"), `${gone}\n`);
    const second = await startEmbeddedPostgres({ dir: store, durable: false });
    expect(second.pid).toBe(first.pid);
    expect(second.owner).toBe(true);
    expect(readFileSync(join(store, "server-owner"), "utf8").trim()).toBe(String(process.pid));
    await second.stop();
    expect(await postgresAnswers(first.url, 2000)).toBe(false);
    expect(existsSync(join(store, "data", "postmaster.pid"))).toBe(false);
    // Its socket's private directory goes with it.
    expect(existsSync(new URL(first.url).searchParams.get("host")!)).toBe(false);
  });
});
