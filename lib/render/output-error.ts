/**
 * What a failed run left the rendered outputs as:
 * - `unchanged`: nothing was moved;
 * - `restored`: the swap failed part-way and everything it had moved was put back;
 * - `mixed`: some outputs are old and some new (or missing) and a journal says how to undo it.
 */
export type OutputState = 'unchanged' | 'restored' | 'mixed';

/**
 * A problem with the rendered outputs on disk that the user can fix (a folder where synth
 * writes a file, the lock of another synth, a swap that failed or was interrupted): the
 * command prints the message alone, without a stack trace, and says what the outputs are now.
 */
export class OutputError extends Error {
  constructor(
    message: string,
    /** What the outputs are after this error. */
    public readonly outputs: OutputState = 'unchanged',
  ) {
    super(message);
    this.name = 'OutputError';
  }
}
