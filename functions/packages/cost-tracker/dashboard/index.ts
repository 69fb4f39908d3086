/**
 * The web action `cost-tracker/dashboard`: the entry functions/build.ts bundles. The adapter
 * itself (settings, pool, `__ow_*` mapping) lives in functions/src/dashboard/web-action.ts
 * beside the handler it adapts, so this file only names the action's `main`.
 */
export { main } from "../../../src/dashboard/web-action";
