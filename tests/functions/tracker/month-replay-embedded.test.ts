/** The month replay (month-replay-suite.ts) on the CLI's default store, the embedded PostgreSQL. */
import { describeMonthReplay } from "./month-replay-suite";

// 744 runs take ~15-25 s on two busy cores; the margin is for a slow CI runner, not a target.
jest.setTimeout(150_000);

describeMonthReplay("embedded-postgres", __filename);
