import * as fs from "node:fs";
import * as path from "node:path";
import { outsideReferences } from "./outside-paths";
import { REPOSITORY_ROOT, repositoryFiles } from "./repository-files";

// Source, tests, benches, scripts, config and CI: everything that runs or is read at run time.
const SCANNED_EXTENSION = /\.(?:[cm]?[jt]s|tsx|json|ya?ml|sh)$/;
// Third-party data kept verbatim (its NOTICE says where it came from); nothing in it runs.
const VENDORED = "vendor/";
// The scan itself: these two hold, as examples, exactly the climbing literals it refuses.
const THE_SCAN = new Set(["tests/repository/outside-paths.ts", "tests/repository/self-contained.test.ts"]);
// The refused spellings of the workspace's sibling directory and of one machine's paths are
// assembled from parts, so not even this file holds them as text.
const SIBLING = ["..", "shared"].join("/");
const SIBLING_REFERENCE = ["shared", "reference", ""].join("/");
const MACHINE_CLONE = ["", "work", "main"].join("/");
const HOME = ["", "home", "alice"].join("/");

function scannedFiles(): string[] {
  return repositoryFiles().filter((file) => {
    if (file.startsWith(VENDORED) || THE_SCAN.has(file)) return false;
    if (SCANNED_EXTENSION.test(file)) return true;
    // Extensionless scripts such as .ci/run.
    return path.posix.basename(file).indexOf(".") <= 0 && fs.readFileSync(path.join(REPOSITORY_ROOT, file), "utf8").startsWith("#!");
  });
}

describe("outsideReferences", () => {
  test.each([
    ["tests/support/openapi.ts", `path.resolve(__dirname, "../../${SIBLING}/reference/x.json")`, [`../../${SIBLING}`, `"../../${SIBLING}/reference/x.json"`, `resolve(__dirname, "../../${SIBLING}/reference/x.json")`]],
    ["core/hourly-billing.ts", ` * Sources: ${SIBLING}/docs/DO-API-NOTES.md`, [SIBLING]],
    ["functions/src/types.ts", ` * under \`${SIBLING_REFERENCE}digitalocean-openapi/specification/\``, [SIBLING_REFERENCE]],
    ["bench/x.ts", `readFileSync("${MACHINE_CLONE}/bench/fixtures/a.json")`, [MACHINE_CLONE]],
    ["scripts/x.ts", `const home = '${HOME}/.config';`, [HOME]],
    ["tests/a/b.test.ts", 'import { x } from "../../../outside";', ['"../../../outside"']],
    ["tests/a/b.test.ts", 'join(__dirname, "..", "..", "..", "sibling")', ['join(__dirname, "..", "..", "..", "sibling")']],
    [".github/workflows/ci.yml", "      - run: cp ../other-repo/spec.json vendor/", ["../other-repo"]],
    [".ci/run", "cd ../elsewhere && npm test", ["../elsewhere"]],
  ])("%s: %s is outside", (file, text, expected) => {
    expect(outsideReferences(file, text).map((reference) => reference.text)).toEqual(expected);
  });

  test.each([
    ["tests/a/b.test.ts", 'import { x } from "../../core/x";'],
    ["tests/functions/bundle/bundle.test.ts", 'readFileSync(join(__dirname, "../../../functions/project.yml"), "utf8")'],
    ["tests/functions/tracker/cli.test.ts", 'const ROOT = resolve(__dirname, "../../..");'],
    ["tests/support/openapi.ts", 'path.resolve(__dirname, "../../vendor/digitalocean-openapi/digitalocean-openapi.json")'],
    ["tests/support/browser.ts", 'const SYSTEM_CHROMIUM = "/usr/bin/chromium";'],
    ["bench/x.ts", 'readFileSync("/proc/self/status", "utf8")'],
    ["tests/x.test.ts", "const url = `${base}/../../etc/passwd`;"],
    ["functions/src/digitalocean/types.ts", "/** `shared/pages.yml` `page_links` (the spec's own shared/ folder). */"],
    [".ci/run", 'cd "$(dirname "$0")/.."'],
    ["core/money.ts", "// see https://docs.digitalocean.com/products/droplets/details/pricing/"],
  ])("%s: %s stays inside", (file, text) => {
    expect(outsideReferences(file, text)).toEqual([]);
  });

  test("reports the line of each reference", () => {
    expect(outsideReferences("core/a.ts", `const a = 1;\n// from ${SIBLING}/docs/X.md\nconst b = "${MACHINE_CLONE}/x";\n`)).toEqual([
      { file: "core/a.ts", line: 2, text: SIBLING, reason: "names the shared/ directory beside the clone" },
      { file: "core/a.ts", line: 3, text: MACHINE_CLONE, reason: "is an absolute path on one machine" },
    ]);
  });
});

describe("the repository", () => {
  test("the scan covers source, tests, benches, scripts, workflows and the CI entry point", () => {
    const files = scannedFiles();
    for (const expected of ["index.ts", "package.json", "tests/support/openapi.ts", "tests/support/postgres.ts", "jest.config.js", ".ci/run"]) {
      expect(files).toContain(expected);
    }
    expect(files.some((file) => file.startsWith("bench/"))).toBe(true);
    expect(files.some((file) => file.startsWith(".github/workflows/"))).toBe(true);
    expect(files.some((file) => file.startsWith("node_modules/"))).toBe(false);
  });

  test("no source, test, bench, script or CI file reads or cites a path outside the repository", () => {
    const found = scannedFiles().flatMap((file) => outsideReferences(file, fs.readFileSync(path.join(REPOSITORY_ROOT, file), "utf8")));
    expect(found.map((reference) => `${reference.file}:${reference.line} ${reference.text} (${reference.reason})`)).toEqual([]);
  });

  test("the OpenAPI spec the tests validate against is vendored with its licence and the upstream commit", () => {
    const vendored = path.join(REPOSITORY_ROOT, "vendor/digitalocean-openapi");
    const notice = fs.readFileSync(path.join(vendored, "NOTICE"), "utf8");
    expect(notice).toMatch(/Commit\s*:\s*[0-9a-f]{40}/);
    expect(fs.readFileSync(path.join(vendored, "LICENSE"), "utf8")).toContain("Apache License");
    expect(JSON.parse(fs.readFileSync(path.join(vendored, "digitalocean-openapi.json"), "utf8")).openapi).toMatch(/^3\.0/);
  });
});
