/**
 * Runs `npm run tracker` the way a user does (the CLI file under ts-node, in a child process),
 * with only the environment given: no DATABASE_URL, token or SMTP_URL leaks in from the
 * developer's shell.
 */
import { execFile } from "node:child_process";
import { join, resolve } from "node:path";

const ROOT = resolve(__dirname, "../../..");
const CLI = join(ROOT, "functions/src/cli.ts");

/** What one CLI run printed and how it exited. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * One CLI run. The generous default timeout is for compiling the CLI with ts-node on a busy
 * machine, not for the work itself; the calling test's own timeout must be longer.
 */
export function runCli(args: string[], env: Record<string, string>, timeoutMs = 140_000): Promise<CliRun> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ["-r", "ts-node/register/transpile-only", CLI, ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env }, timeout: timeoutMs },
      (error, stdout, stderr) => done({ code: error ? Number((error as NodeJS.ErrnoException & { code?: unknown }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** What one in-process CLI run printed, each stream's lines joined, and its exit status. */
export interface InProcessRun {
  code: number;
  out: string;
  err: string;
}

/**
 * One run of the CLI's `main` in this process with only `env` (nothing from the developer's
 * shell), its output collected: for tests that need no fresh process and want the fake's and the
 * store's state in the same one.
 */
export async function runCliInProcess(args: readonly string[], env: Record<string, string>): Promise<InProcessRun> {
  // Loaded on first use: tests that only run the CLI as a child process never compile it here.
  const { main } = await import("../../../functions/src/cli");
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, env, (line) => out.push(line), (line) => err.push(line));
  return { code, out: out.join("\n"), err: err.join("\n") };
}
