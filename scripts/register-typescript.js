/**
 * `node -r ./scripts/register-typescript.js file.ts`: loads TypeScript files through esbuild's
 * transform, one file at a time, as ts-node --transpile-only would, but without loading the
 * TypeScript compiler (~9 MB of JavaScript to parse) into the process. `npm run plan` uses it for
 * its own code and for the Pulumi program it runs; type-checking is `npm test`'s job (tsc).
 *
 * Transformed files are cached by content in node_modules/.cache/register-typescript, so a run
 * whose sources have not changed never starts esbuild at all.
 *
 * JavaScript on purpose: it has to be loaded before anything can load TypeScript.
 */
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const CACHE_DIR = path.join(__dirname, "..", "node_modules", ".cache", "register-typescript");
const ESBUILD_VERSION = require("esbuild/package.json").version;

/** esbuild's transform, loaded on the first cache miss: a warm run never pays for it. */
let transformSync;

function transform(source, filename) {
  transformSync ??= require("esbuild").transformSync;
  return transformSync(source, {
    loader: "ts",
    format: "cjs",
    target: "node20",
    sourcefile: filename,
    // As tsc's CommonJS output does: import() becomes require(), so it loads .ts files through this hook too.
    supported: { "dynamic-import": false },
  }).code;
}

require.extensions[".ts"] = function loadTypeScript(module, filename) {
  const source = fs.readFileSync(filename, "utf8");
  const key = crypto.createHash("sha256").update(`${ESBUILD_VERSION}\0${filename}\0${source}`).digest("hex");
  const cached = path.join(CACHE_DIR, `${key}.js`);
  let code;
  try {
    code = fs.readFileSync(cached, "utf8");
  } catch {
    code = transform(source, filename);
    try {
      fs.mkdirSync(CACHE_DIR, { recursive: true });
      // Through a rename, so a concurrent run never reads half a file.
      const temporary = `${cached}.${process.pid}.tmp`;
      fs.writeFileSync(temporary, code);
      fs.renameSync(temporary, cached);
    } catch {
      // A read-only checkout still runs; it only transforms every time.
    }
  }
  module._compile(code, filename);
};
