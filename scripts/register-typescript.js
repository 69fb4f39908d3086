/**
 * `node -r ./scripts/register-typescript.js file.ts`: loads TypeScript files through esbuild's
 * transform, one file at a time, as ts-node --transpile-only would, but without loading the
 * TypeScript compiler (~9 MB of JavaScript to parse) into the process. `npm run plan` uses it for
 * its own code and for the Pulumi program it runs; type-checking is `npm test`'s job (tsc).
 *
 * JavaScript on purpose: it has to be loaded before anything can load TypeScript.
 */
"use strict";
const fs = require("node:fs");
const { transformSync } = require("esbuild");

require.extensions[".ts"] = function loadTypeScript(module, filename) {
  const { code } = transformSync(fs.readFileSync(filename, "utf8"), {
    loader: "ts",
    format: "cjs",
    target: "node20",
    sourcefile: filename,
    // As tsc's CommonJS output does: import() becomes require(), so it loads .ts files through this hook too.
    supported: { "dynamic-import": false },
  });
  module._compile(code, filename);
};
