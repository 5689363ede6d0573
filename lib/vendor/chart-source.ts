/**
 * Where a chart is released from (its Git repository, tag and folder, and the release-time steps
 * of its upstream release process): what a chart pin carries for `npm run vendor` (lib/versions.ts
 * `ChartPin`, declared in each layer file), and what lib/vendor/vendor-command.ts reads it with.
 * Types and small pure helpers only: layer files import it without loading the vendor command.
 */

/** A refusal: printed as one line, no stack. */
export class VendorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VendorError';
  }
}

/** A replacement the upstream release process makes before it publishes; recorded in the lock. */
export interface Substitution {
  /** File of the vendored folder (POSIX, relative). */
  readonly file: string;
  /** When set and `file` does not exist upstream, `file` is first created as a copy of this file (a release-time template). */
  readonly template?: string;
  /** Literal text replaced, every occurrence (it must occur). */
  readonly from: string;
  readonly to: string;
}

/** What a source's substitution rule can read. */
export interface SubstitutionContext {
  /** The version being vendored, as given. */
  readonly version: string;
  /** A file of the vendored folder as upstream has it (relative to the folder). */
  readonly readFile: (file: string) => string;
  /** A file of the repository at the release commit (relative to the repository root). */
  readonly readRepoFile: (file: string) => string;
}

/** Where a chart is released from. Patterns expand `{name}`, `{version}` and `{bare}` (the version without a leading `v`). */
export interface ChartSource {
  /** Git repository (recorded in the lock; fetched unless `--from` is given for a component). */
  readonly repository: string;
  /** Tag pattern of the release. */
  readonly tag?: string;
  /** A branch instead of a tag (packaged charts kept in the repository, e.g. MinIO's helm-releases/). */
  readonly branch?: string;
  /** The chart's folder in the repository (`.` for the root), or, with `archive`, its packaged .tgz. */
  readonly path: string;
  readonly archive?: boolean;
  /** Release-time replacements of the upstream release process. */
  readonly substitutions?: (ctx: SubstitutionContext) => Substitution[];
  /**
   * Files the upstream release process generates into the chart before it publishes (e.g. CRD
   * templates built from a bundle in the repository); recorded in the lock with how.
   */
  readonly generate?: (ctx: SubstitutionContext) => { readonly how: string; readonly files: Readonly<Record<string, string>> };
}

/** `key: value` line of a file set to `key: value'` (what `helm package --version/--app-version` does). */
export function setKey(ctx: SubstitutionContext, file: string, key: string, value: string): Substitution {
  const line = new RegExp(`^${key}:.*$`, 'm').exec(ctx.readFile(file));
  if (!line) throw new VendorError(`${file} has no "${key}:" line to set at release time; update the substitutions of the chart's source (the pin in its layer file)`);
  return { file, from: line[0], to: `${key}: ${value}` };
}

/** A version without its leading `v`. */
export const bare = (version: string): string => version.replace(/^v/, '');
