/** The hourly month replay (month-replay-suite.ts) on a Postgres server named by URL, the decisive hours through the CLI with --now. */
import { describeMonthReplay } from "./month-replay-suite";

// 744 runs take ~15-25 s on two busy cores; the margin is for a slow CI runner, not a target.
jest.setTimeout(150_000);

describeMonthReplay("postgres", __filename);
