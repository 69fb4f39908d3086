/**
 * Finds references in a file's text to places outside the repository: the workspace's
 * `shared` directory that sits beside the development clone, machine-specific absolute paths
 * (a machine's working directory, home directories), and relative paths that climb above the
 * repository root (string literals starting with `../`, and `join`/`resolve(__dirname, …)`
 * calls). The whole text is read, comments included: a comment citing a file in that sibling
 * directory points readers at a file a clone does not have, so it should cite the vendored copy
 * or the upstream source instead.
 */
import * as path from "node:path";

/** One reference to a place outside the repository. */
export interface OutsideReference {
  /** Repository-relative file path. */
  file: string;
  /** 1-based line number. */
  line: number;
  /** The offending text. */
  text: string;
  /** Why it counts as outside. */
  reason: string;
}

// The sibling directory of the development machines, under any spelling.
const SHARED_DIRECTORY = /(?:\.\.\/)+shared\b|\bshared\/(?:reference|docs)\//g;
// Absolute paths that only exist on one machine. System locations the code may use on
// purpose (/usr/bin/chromium, /proc/self/status, /dev/null) are not listed.
const MACHINE_PATHS = /(?<![\w.:/-])\/(?:work|home|root|Users|mnt)\/[\w.@-]+/g;
// A string literal that starts by climbing: "../x", '../../x', `../x`.
const CLIMBING_LITERAL = /(["'`])((?:\.\.\/)+[^"'`\n]*)\1/g;
// join(__dirname, "..", "..") / path.resolve(__dirname, "../..", "x") with literal segments.
const DIRNAME_JOIN = /\b(?:join|resolve)\(\s*__dirname((?:\s*,\s*(["'])[^"'\n]*\2)+)\s*\)/g;
// In workflows and shell scripts paths are relative to the repository root (the working
// directory), so any `../` that starts a path, quoted or not, leaves the repository.
const CLIMBING_WORD = /(?<![\w./$)-])(?:\.\.\/)+[\w.-]*/g;
const CODE_FILE = /\.(?:[cm]?[jt]s|tsx|json)$/;

/**
 * References to outside the repository in `text`, the content of `file` (repository-relative,
 * with `/`). Relative paths are resolved from the file's directory.
 */
export function outsideReferences(file: string, text: string): OutsideReference[] {
  const found: OutsideReference[] = [];
  const directory = path.posix.dirname(file);
  const add = (index: number, match: string, reason: string) => {
    const line = text.slice(0, index).split("\n").length;
    if (!found.some((other) => other.line === line && other.text === match)) found.push({ file, line, text: match, reason });
  };
  const escapes = (segments: string[]) => climbsAboveRoot(path.posix.join(directory, ...segments));

  for (const match of text.matchAll(SHARED_DIRECTORY)) add(match.index ?? 0, match[0], "names the shared/ directory beside the clone");
  for (const match of text.matchAll(MACHINE_PATHS)) add(match.index ?? 0, match[0], "is an absolute path on one machine");
  for (const match of text.matchAll(CLIMBING_LITERAL)) {
    const literal = match[2] ?? "";
    if (literal.includes("${")) continue; // built at run time; the literal part alone says nothing
    if (escapes([literal])) add(match.index ?? 0, match[0], `resolves outside the repository from ${directory}/`);
  }
  for (const match of text.matchAll(DIRNAME_JOIN)) {
    const segments = [...(match[1] ?? "").matchAll(/(["'])([^"'\n]*)\1/g)].map((segment) => segment[2] ?? "");
    if (escapes(segments)) add(match.index ?? 0, match[0], `resolves outside the repository from ${directory}/`);
  }
  if (!CODE_FILE.test(file)) {
    for (const match of text.matchAll(CLIMBING_WORD)) add(match.index ?? 0, match[0], "climbs above the repository root (the working directory)");
  }
  return found.sort((a, b) => a.line - b.line);
}

function climbsAboveRoot(joined: string): boolean {
  const normalized = path.posix.normalize(joined);
  return normalized === ".." || normalized.startsWith("../");
}
