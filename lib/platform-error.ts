/** A platform wiring error found at synth time (dependency cycle, missing provider...). */
export class PlatformError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlatformError';
  }
}
