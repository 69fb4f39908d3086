/** One jest run for the whole repository; type-checking is done once by `tsc --noEmit` in `npm test`. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.ts$": ["ts-jest", { diagnostics: false }],
  },
  testTimeout: 60000,
  // Pulumi's runtime keeps process-wide state; one program per worker keeps tests independent.
  maxWorkers: 2,
};
