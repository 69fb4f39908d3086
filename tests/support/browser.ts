/**
 * A headless Chromium for browser tests, found without apt or a system install:
 * `CHROMIUM_PATH` if set, else Debian's `/usr/bin/chromium` if present, else the Chromium
 * shipped inside the npm package `@sparticuz/chromium` (unpacked once per version into the
 * temp directory). Every browser launched here resolves only 127.0.0.1, so a page cannot
 * reach past the loopback test servers even by mistake.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { chromium, type Browser } from "playwright-core";

/** Where the Chromium binary came from, and what it needs in its environment. */
export interface ChromiumExecutable {
  path: string;
  source: "CHROMIUM_PATH" | "/usr/bin/chromium" | "@sparticuz/chromium";
  /** Extra environment the binary needs (the packaged build reads its fonts from here). */
  env: Record<string, string>;
}

const SYSTEM_CHROMIUM = "/usr/bin/chromium";

/**
 * Flags for every launch: no sandbox (tests may run as root in containers), no GPU, and no
 * traffic of Chromium's own (updates, sync, QUIC probes). The resolver rule makes any host
 * but 127.0.0.1 fail to resolve.
 */
export const LOOPBACK_ONLY_ARGS: readonly string[] = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
];

/** Picks the Chromium to run, in the order the README documents. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): ChromiumExecutable {
  const configured = env.CHROMIUM_PATH;
  if (configured) {
    if (!fs.existsSync(configured)) throw new Error(`CHROMIUM_PATH points at nothing: ${configured}`);
    return { path: configured, source: "CHROMIUM_PATH", env: {} };
  }
  if (fs.existsSync(SYSTEM_CHROMIUM)) return { path: SYSTEM_CHROMIUM, source: SYSTEM_CHROMIUM, env: {} };
  return packagedChromium();
}

/**
 * The Chromium inside `@sparticuz/chromium`, unpacked to `<tmp>/dcg-chromium-<version>/`.
 * The package unpacks into `os.tmpdir()` non-atomically, so two test workers unpacking at
 * once could launch a half-written binary; instead each unpacks into its own staging
 * directory (a child process with `TMPDIR` pointed there, which also keeps the ESM-only
 * package out of jest's CommonJS loader) and renames it into place; the loser of the race
 * discards its copy.
 */
export function packagedChromium(): ChromiumExecutable {
  const entry = require.resolve("@sparticuz/chromium");
  const packageJson = path.join(entry.slice(0, entry.lastIndexOf(`${path.sep}build${path.sep}`)), "package.json");
  const version = (JSON.parse(fs.readFileSync(packageJson, "utf8")) as { version: string }).version;
  const home = path.join(os.tmpdir(), `dcg-chromium-${version}`);
  const binary = path.join(home, "chromium");
  if (!fs.existsSync(binary)) {
    const staging = fs.mkdtempSync(path.join(os.tmpdir(), `dcg-chromium-${version}-staging-`));
    try {
      const script = `const m = await import(${JSON.stringify(`file://${entry}`)}); process.stdout.write(await m.default.executablePath());`;
      const unpacked = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
        env: { ...process.env, TMPDIR: staging },
        encoding: "utf8",
      });
      if (path.dirname(unpacked) !== staging) throw new Error(`@sparticuz/chromium unpacked to ${unpacked}, expected it under ${staging}`);
      // The packaged fonts.conf lists Lambda's fixed directories (/tmp/fonts, /opt/fonts…);
      // without fonts every text box lays out with zero height, so point it at ours.
      fs.writeFileSync(
        path.join(staging, "fonts", "fonts.conf"),
        `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n` +
          `  <dir>${path.join(home, "fonts", "fonts")}</dir>\n  <cachedir>${path.join(home, "fonts-cache")}</cachedir>\n</fontconfig>\n`,
      );
      fs.renameSync(staging, home);
    } catch (error) {
      fs.rmSync(staging, { recursive: true, force: true });
      // Another process renamed its copy into place first: use that one.
      if (!fs.existsSync(binary)) throw error;
    }
  }
  return { path: binary, source: "@sparticuz/chromium", env: { FONTCONFIG_PATH: path.join(home, "fonts") } };
}

/**
 * Launches a headless Chromium (see `findChromium`) that resolves only 127.0.0.1. Close it
 * when done; pages come from `browser.newContext()`.
 */
export async function launchBrowser(executable: ChromiumExecutable = findChromium()): Promise<Browser> {
  return chromium.launch({
    executablePath: executable.path,
    headless: true,
    args: [...LOOPBACK_ONLY_ARGS],
    env: { ...stringEnv(process.env), ...executable.env },
  });
}

function stringEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
