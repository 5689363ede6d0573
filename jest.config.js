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
  // How long a worker process may take to exit once its suites are done before jest kills it and
  // prints "A worker process has failed to exit gracefully". Jest's default, 500 ms, is less than a
  // worker that loaded the whole platform (release, publish, synth suites) takes to tear down on
  // this 2-core machine under load: measured 360 to 790 ms from its 'exit' event, with no handle
  // left open ('beforeExit' fired within 13 ms), no worker thread alive and 70 MB of heap. Not an
  // open handle, so nothing to close; a real leak would still hang the worker past this bound.
  workerGracefulExitTimeout: 5000,
};
