/**
 * `npm run build:policies` (or `npm run build` / `npm pack` inside policies/): bundles the pack into
 * `policies/dist/index.js`, the file package.json's `main` names.
 *
 * Why a bundle: `pulumi policy publish` uploads this directory alone (it runs `npm pack` here), so
 * the pack cannot import `../core` at run time; esbuild copies core/pricing, core/tags,
 * core/money and the JSON price catalog into the bundle. And why JavaScript: the CLI's
 * run-policy-pack registers ts-node with `typeCheck: true` and requires `main`, so a TypeScript
 * main is type-checked on every `pulumi preview` (~5 s); a JavaScript main is loaded as is, and the
 * type-check happens once in CI (`npm test` runs `tsc`).
 *
 * `@pulumi/policy` and `@pulumi/pulumi` stay external: the engine talks to the pack through the
 * SDK's gRPC server, and the `UnknownValueError` the policies test for must be the SDK's own class.
 * The bundle is not committed (dist/ is ignored): `npm run plan`, the tests and the benchmarks
 * build it before they start the pack, and the root package's `prepare` builds it on `npm ci`.
 */
import { build, type BuildOptions } from "esbuild";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";

/** The pack directory (this file's directory). */
export const POLICY_PACK_DIR = __dirname;

/** Where the bundle goes: package.json's `main`. */
export const POLICY_PACK_BUNDLE = join(POLICY_PACK_DIR, "dist", "index.js");

/**
 * Packages the bundle leaves to `require`: the SDKs the engine's protocol runs through, declared
 * in this directory's package.json `dependencies` so `npm install` of the published pack brings them.
 */
export const EXTERNAL_PACKAGES: readonly string[] = ["@pulumi/policy", "@pulumi/pulumi"];

/**
 * The esbuild options of the bundle. Node 18 is the oldest runtime the Pulumi CLI's Node.js
 * language host still supports (pulumi/pulumi sdk/nodejs package.json `engines`, read
 * 2026-11-29), so the output stays loadable wherever `pulumi preview` runs.
 */
export function bundleOptions(outfile = POLICY_PACK_BUNDLE): BuildOptions {
  return {
    entryPoints: [join(POLICY_PACK_DIR, "index.ts")],
    outfile,
    bundle: true,
    platform: "node",
    target: "node18",
    format: "cjs",
    external: [...EXTERNAL_PACKAGES],
    // Kept readable: reviewers of a published pack can read what it does.
    minify: false,
    legalComments: "none",
    logLevel: "silent",
    // Build-machine paths in the bundle's comments would differ per clone; keep them relative.
    absWorkingDir: dirname(POLICY_PACK_DIR),
  };
}

/** The bundle's text, built in memory (nothing written). */
export async function bundleText(): Promise<string> {
  const result = await build({ ...bundleOptions(), write: false });
  return result.outputFiles[0].text;
}

/**
 * Builds `dist/index.js` and returns its path. Written through a temporary file and a rename, so a
 * pack started at the same moment (parallel tests) never loads half a bundle; skipped when the
 * file already holds exactly this text.
 */
export async function buildPolicyPack(): Promise<string> {
  const text = await bundleText();
  let current: string | undefined;
  try {
    current = readFileSync(POLICY_PACK_BUNDLE, "utf8");
  } catch {
    current = undefined;
  }
  if (current !== text) {
    mkdirSync(dirname(POLICY_PACK_BUNDLE), { recursive: true });
    const temporary = `${POLICY_PACK_BUNDLE}.${process.pid}.tmp`;
    writeFileSync(temporary, text);
    renameSync(temporary, POLICY_PACK_BUNDLE);
  }
  return POLICY_PACK_BUNDLE;
}

if (require.main === module) {
  buildPolicyPack().then(
    // stderr, not stdout: `pulumi policy publish` reads the tarball's name from `npm pack`'s stdout.
    (file) => console.error(`built ${relative(process.cwd(), file)}`),
    (error: unknown) => {
      console.error(`policy pack build failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
