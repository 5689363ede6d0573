/** Jest: TypeScript via ts-jest (type checking is done once by `tsc -p .` in `npm test`). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  testTimeout: 60000,
  // Suites run in a worker process that is replaced once it holds more than this after a suite:
  // on a 2-core machine jest would otherwise run every suite in one process, whose heap grows
  // suite after suite until a large allocation fails (a RangeError no test caused).
  workerIdleMemoryLimit: '2GB',
};
