/**
 * A delivery problem the user can fix (missing token, dirty tree, refused push, API refusal).
 * The command line prints its message alone, without a stack trace.
 */
export class DeliveryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeliveryError';
  }
}
