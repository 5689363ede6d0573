/** A platform wiring error found at synth time (dependency cycle, missing provider...). */
export class PlatformError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlatformError';
  }
}

/**
 * A field of site.yaml that the platform needs, found missing or unusable while building (the
 * schema allows it to be absent). `field` is its path, e.g. `['dbaas', 'postgresql']`; synth
 * reports it as a ConfigError at that field of the site file it read.
 */
export class SiteFieldError extends PlatformError {
  constructor(public readonly field: readonly (string | number)[], public readonly problem: string) {
    super(`site.yaml: ${field.map((s) => (typeof s === 'number' ? `[${s}]` : s)).join('.').replace(/\.\[/g, '[')}: ${problem}`);
    this.name = 'SiteFieldError';
  }
}
