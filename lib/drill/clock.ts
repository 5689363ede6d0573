/** Time as the drill sees it: real in the command, fake in tests. */
export interface Clock {
  /** Milliseconds since some fixed origin (only differences matter). */
  now(): number;
  /** Resolves after `ms` milliseconds. */
  sleep(ms: number): Promise<void>;
}

/** The wall clock and real timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
