/**
 * What the repository says about the Node.js it runs on, read from the files that say it:
 * package.json's `engines`, the LTS that .ci/node-lts.sh pins for .ci/run, and the lines the
 * project supports. Shared by the engine, README and workflow checks.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as semver from "semver";
import { REPOSITORY_ROOT } from "./repository-files";

/**
 * The Node.js release lines the project supports, newest first: 26 (active LTS since
 * 2026-10-28), 24 and 22 (maintenance LTS), and 20 (end of life since 2026-04-30, still the
 * Node.js of the machines .ci/run runs on). Per the Node.js release schedule,
 * https://github.com/nodejs/Release (read 2026-12-06).
 */
export const SUPPORTED_LINES = [26, 24, 22, 20] as const;

/** The line that is the active LTS. */
export const ACTIVE_LTS_LINE = 26;

/** The line past its end of life that is still supported (and tested by .ci/run). */
export const END_OF_LIFE_LINE = 20;

export function readJson<T>(relative: string): T {
  return JSON.parse(fs.readFileSync(path.join(REPOSITORY_ROOT, relative), "utf8")) as T;
}

export interface PackageJson {
  engines?: { node?: string };
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

/** package.json's `engines.node`. */
export function enginesNode(relative = "package.json"): string {
  const range = readJson<PackageJson>(relative).engines?.node;
  if (range === undefined) throw new Error(`${relative} has no engines.node`);
  return range;
}

/** The version and integrity .ci/node-lts.sh pins (the defaults of NODE_LTS_VERSION / NODE_LTS_INTEGRITY). */
export function pinnedNodeLts(): { version: string; integrity: string } {
  const script = fs.readFileSync(path.join(REPOSITORY_ROOT, ".ci", "node-lts.sh"), "utf8");
  const pinned = (name: string) => {
    const match = new RegExp(`^${name}="\\$\\{${name}:-([^}"]+)\\}"$`, "m").exec(script);
    if (!match) throw new Error(`.ci/node-lts.sh does not pin ${name}`);
    return match[1]!;
  };
  return { version: pinned("NODE_LTS_VERSION"), integrity: pinned("NODE_LTS_INTEGRITY") };
}

/** The lowest version of `line` a range admits, or null when it admits none of that line. */
export function lowestAdmitted(range: string, line: number): string | null {
  const inLine = new semver.Range(range).set
    .map((comparators) => comparators.map((comparator) => comparator.value).join(" "))
    .filter((part) => semver.intersects(part, `^${line}.0.0`));
  const lowest = inLine.map((part) => semver.minVersion(`${part} ^${line}.0.0`)).filter((version): version is semver.SemVer => version !== null);
  return lowest.length === 0 ? null : semver.sort(lowest)[0]!.version;
}
