/** One jest run for the whole repository; type-checking is done once by `tsc --noEmit` in `npm test`. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.ts$": ["ts-jest", { diagnostics: false }],
  },
  // Chooses the Postgres all test databases live on (starting an embedded one if none answers).
  globalSetup: "<rootDir>/tests/support/global-setup.ts",
  globalTeardown: "<rootDir>/tests/support/global-teardown.ts",
  testTimeout: 60000,
  // Pulumi's runtime keeps process-wide state; one program per worker keeps tests independent.
  maxWorkers: 2,
};
