/**
 * The repository's own files, for tests that check properties of the whole tree (nothing
 * read from outside it, every import declared). Listed by git (tracked plus new files not
 * ignored), or by walking the tree when there is no git checkout (an unpacked tarball).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/** The repository root: the directory holding the root package.json. */
export const REPOSITORY_ROOT = path.resolve(__dirname, "../..");

// Never part of the source: installed packages, build output, local state.
const SKIPPED_DIRECTORIES = new Set(["node_modules", ".git", "dist", ".do-cost-guard", "out"]);

/** Repository-relative paths (with `/`) of every file in the repository, sorted. */
export function repositoryFiles(root: string = REPOSITORY_ROOT): string[] {
  if (fs.existsSync(path.join(root, ".git"))) {
    const listed = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: root, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    // A file deleted in the working tree but not yet in the index is not there to read.
    return listed.split("\0").filter((file) => file !== "" && fs.existsSync(path.join(root, file))).sort();
  }
  const found: string[] = [];
  const walk = (relative: string) => {
    for (const entry of fs.readdirSync(path.join(root, relative), { withFileTypes: true })) {
      const child = relative === "" ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRECTORIES.has(entry.name)) walk(child);
      } else if (entry.isFile()) {
        found.push(child);
      }
    }
  };
  walk("");
  return found.sort();
}
