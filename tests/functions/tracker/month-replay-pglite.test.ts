/** The month replay (month-replay-suite.ts) on embedded PGlite. */
import { describeMonthReplay } from "./month-replay-suite";

jest.setTimeout(60_000);

describeMonthReplay("pglite", __filename);
