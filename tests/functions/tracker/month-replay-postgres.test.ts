/** The month replay (month-replay-suite.ts) on the real Postgres. */
import { describeMonthReplay } from "./month-replay-suite";

jest.setTimeout(60_000);

describeMonthReplay("postgres", __filename);
