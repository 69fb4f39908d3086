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
import type { BuildOptions } from "esbuild";
import { mkdirSync, readFileSync, renameSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

/** The pack directory (this file's directory). */
export const POLICY_PACK_DIR = __dirname;

/** Where the bundle goes: package.json's `main`. */
export const POLICY_PACK_BUNDLE = join(POLICY_PACK_DIR, "dist", "index.js");

/** The source files the bundle was built from (not packed): lets {@link ensurePolicyPackBuilt} skip a build. */
const BUNDLE_INPUTS = join(POLICY_PACK_DIR, "dist", "inputs.json");

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

/** The bundle's text and the files it was built from (absolute paths), built in memory. */
export async function bundleText(): Promise<{ text: string; inputs: string[] }> {
  // Loaded here: a plan whose bundle is up to date never loads esbuild.
  const { build } = await import("esbuild");
  const options = bundleOptions();
  const result = await build({ ...options, write: false, metafile: true });
  const inputs = Object.keys(result.metafile.inputs).map((input) => resolve(options.absWorkingDir as string, input));
  return { text: result.outputFiles[0].text, inputs };
}

/** Writes through a temporary file and a rename, so a pack started at that moment never loads half a file. */
function writeAtomically(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, file);
}

/**
 * Builds `dist/index.js` and returns its path; the file is rewritten only when its text changes,
 * so parallel tests that each build leave one identical bundle.
 */
export async function buildPolicyPack(): Promise<string> {
  const { text, inputs } = await bundleText();
  let current: string | undefined;
  try {
    current = readFileSync(POLICY_PACK_BUNDLE, "utf8");
  } catch {
    current = undefined;
  }
  if (current !== text) writeAtomically(POLICY_PACK_BUNDLE, text);
  // Same text: mark it built now, or an input touched since would make every later check rebuild.
  else utimesSync(POLICY_PACK_BUNDLE, new Date(), new Date());
  writeAtomically(BUNDLE_INPUTS, JSON.stringify(inputs.map((input) => relative(POLICY_PACK_DIR, input))));
  return POLICY_PACK_BUNDLE;
}

/**
 * True when the bundle exists and none of the files it was built from changed after it: every
 * recorded input still exists and is older than the bundle. A new import edits an existing input,
 * so it is caught too.
 */
export function policyPackIsFresh(): boolean {
  try {
    const builtAt = statSync(POLICY_PACK_BUNDLE).mtimeMs;
    const inputs = JSON.parse(readFileSync(BUNDLE_INPUTS, "utf8")) as string[];
    return inputs.length > 0 && inputs.every((input) => statSync(join(POLICY_PACK_DIR, input)).mtimeMs <= builtAt);
  } catch {
    return false;
  }
}

/** Builds the bundle unless {@link policyPackIsFresh}; what `npm run plan` calls before every run. */
export async function ensurePolicyPackBuilt(): Promise<string> {
  return policyPackIsFresh() ? POLICY_PACK_BUNDLE : buildPolicyPack();
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
