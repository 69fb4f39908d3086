export * from "./types";
export { DEFAULT_ADVICE_SETTINGS, resolveAdviceSettings, type AdviceSettings } from "./settings";
export { ADVICE_RULES, ruleRegistry, runAdvice, type AdviceReport } from "./registry";
export { suggestionId } from "./suggestion";
export { findAdvisedSnapshots, snapshotPurpose, SNAPSHOT_FIRST_ACTION, type AdviceGiven, type AdvisedSnapshot } from "./snapshot-provenance";
export { describeTagProblems, untaggedEntry, type UntaggedEntry } from "./rules/untagged";
