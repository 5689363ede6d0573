/**
 * A drill or promote problem the operator can fix (wrong node, unreachable API, refused
 * request). The command line prints its message alone, without a stack trace.
 */
export class DrillError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DrillError';
  }
}

/** The operator interrupted the drill (Ctrl-C); the message says what is left to undo. */
export class DrillInterrupted extends DrillError {
  constructor(message: string) {
    super(message);
    this.name = 'DrillInterrupted';
  }
}
