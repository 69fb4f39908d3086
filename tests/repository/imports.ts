/**
 * What a source file imports, and which of those packages its package.json does not declare.
 * A package that is only present because something else pulled it into node_modules works
 * until that something changes, and breaks at once wherever the directory is installed on its
 * own (the policy pack is published alone), so every import must be declared by the nearest
 * package.json above the importing file.
 */
import { isBuiltin } from "node:module";
import * as path from "node:path";
import * as ts from "typescript";

/** One module specifier written in a file, with its 1-based line. */
export interface ImportedSpecifier {
  specifier: string;
  line: number;
}

/** An import of a package that the governing package.json does not declare. */
export interface UndeclaredImport {
  /** Repository-relative path of the importing file. */
  file: string;
  line: number;
  packageName: string;
  /** Repository-relative path of the package.json that should declare it. */
  packageJson: string;
}

/** The dependency sections that make a package available to the code of a package.json's directory. */
export const DECLARING_SECTIONS = ["dependencies", "devDependencies", "peerDependencies"] as const;

/**
 * Every literal module specifier in `text`: `import … from`, `import "…"`, `export … from`,
 * `import x = require(…)`, `import(…)` (also in type positions), `require(…)` and
 * `require.resolve(…)`. Type-only imports count: the package (or its types) must be installed
 * for the code to compile. Comments and strings are not imports.
 */
export function importedSpecifiers(fileName: string, text: string): ImportedSpecifier[] {
  const kind = /\.[cm]?js$/.test(fileName) ? ts.ScriptKind.JS : ts.ScriptKind.TS;
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, kind);
  const found: ImportedSpecifier[] = [];
  const record = (node: ts.Node | undefined) => {
    if (node && ts.isStringLiteralLike(node)) {
      found.push({ specifier: node.text, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1 });
    }
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) {
      record(node.moduleSpecifier);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      record(node.moduleReference.expression);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      record(node.argument.literal);
    } else if (ts.isCallExpression(node) && isImportOrRequire(node.expression)) {
      record(node.arguments[0]);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function isImportOrRequire(callee: ts.Expression): boolean {
  if (callee.kind === ts.SyntaxKind.ImportKeyword) return true;
  if (ts.isIdentifier(callee)) return callee.text === "require";
  return ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && callee.expression.text === "require" && callee.name.text === "resolve";
}

/**
 * The npm package a specifier names (`@scope/name` or `name`, subpaths stripped), or
 * `undefined` for relative and absolute paths, `node:` modules and Node's built-ins.
 */
export function packageNameOf(specifier: string): string | undefined {
  if (specifier.startsWith(".") || specifier.startsWith("/") || specifier.startsWith("node:")) return undefined;
  const parts = specifier.split("/");
  const name = specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0] ?? "";
  if (name === "" || isBuiltin(name)) return undefined;
  return name;
}

/**
 * The repository-relative directory of the package.json governing `file`: the nearest one at
 * or above the file's directory, within the repository.
 */
export function governingPackageJson(file: string, packageJsonDirectories: ReadonlySet<string>): string | undefined {
  let directory = path.posix.dirname(file);
  for (;;) {
    if (packageJsonDirectories.has(directory)) return directory;
    if (directory === ".") return undefined;
    directory = path.posix.dirname(directory);
  }
}

/** The package names a parsed package.json declares in `DECLARING_SECTIONS`. */
export function declaredPackages(packageJson: Record<string, unknown>): Set<string> {
  const declared = new Set<string>();
  for (const section of DECLARING_SECTIONS) {
    const entries = packageJson[section];
    if (entries && typeof entries === "object") Object.keys(entries).forEach((name) => declared.add(name));
  }
  return declared;
}

/**
 * Every package import in `files` that the governing package.json does not declare.
 * `packageJsons` maps each package.json's repository-relative directory (`.` for the root)
 * to its parsed content. A package may import itself by name (its own `name`).
 */
export function undeclaredImports(
  files: readonly { file: string; text: string }[],
  packageJsons: ReadonlyMap<string, Record<string, unknown>>,
): UndeclaredImport[] {
  const directories = new Set(packageJsons.keys());
  const declaredByDirectory = new Map([...packageJsons].map(([directory, json]) => [directory, declaredPackages(json)]));
  const undeclared: UndeclaredImport[] = [];
  for (const { file, text } of files) {
    const directory = governingPackageJson(file, directories);
    if (directory === undefined) continue; // nothing outside a package in this repository
    const declared = declaredByDirectory.get(directory) ?? new Set<string>();
    const ownName = packageJsons.get(directory)?.name;
    for (const { specifier, line } of importedSpecifiers(file, text)) {
      const packageName = packageNameOf(specifier);
      if (packageName === undefined || packageName === ownName || declared.has(packageName)) continue;
      undeclared.push({ file, line, packageName, packageJson: directory === "." ? "package.json" : `${directory}/package.json` });
    }
  }
  return undeclared;
}
