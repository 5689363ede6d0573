import { EntriesFile, isJsonExact, sha256 } from '../cache-file';
import type { AppSpec } from './app-schema';
import { LayerNeeds, platformDatabases, platformHosts, publishes } from './platform-rules';
import type { Site } from './schema';

/**
 * Where synth keeps the app specs it validated (relative to the checkout, git-ignored): the next
 * synth takes a spec whose file text, site and layers' needs are the same from here instead of
 * parsing and checking it again.
 */
export const APP_SPEC_CACHE_FILE = '.synth-cache/app-specs.json';

/** The layout of the cache file; another version is ignored. */
const FORMAT = 2;

/** A validated spec as kept: everything but the name and file, which come from the file's path. */
export type CachedSpec = Omit<AppSpec, 'name' | 'file'>;

/**
 * What an app spec's checks read besides its file, as a digest: the site (all of it) and, for the
 * site, what the layers publish and keep (each UI's condition evaluated for this site, the hosts and
 * databases the platform takes). Undefined when the site is not plain JSON (nothing is cached then).
 */
export function appContextDigest(site: Site, layerNeeds?: readonly LayerNeeds[]): string | undefined {
  if (!isJsonExact(site)) return undefined;
  const needs = layerNeeds?.map((n) => ({
    layer: n.layer,
    component: n.component ?? null,
    uis: (n.uis ?? []).map((ui) => ({ subdomain: ui.subdomain, what: ui.what, published: publishes(site, ui) })),
    databases: n.databases ?? [],
  }));
  const taken = layerNeeds ? { hosts: platformHosts(site, layerNeeds), databases: platformDatabases(site, layerNeeds) } : null;
  return sha256(JSON.stringify({ site, needs: needs ?? null, taken }));
}

/** The key of an app spec: its name (from the file name), its file's text, and its context (`appContextDigest`). */
export function appSpecKey(name: string, text: string, context: string): string {
  return sha256(`${name}\0${context}\0${text}`);
}

/**
 * App specs validated by an earlier synth, content-addressed (`appSpecKey`), under the fingerprint of
 * the code that validated them. Only specs that passed every check are kept: a file with a problem
 * is always parsed again, so its `file:line:col` messages come out the same.
 *
 * An optimisation only: a load with it gives the same specs as one without. A file that does not
 * read or was written by other code (stale) is ignored as a whole, and entries that do not match the
 * hash of their block (corrupted) are ignored (`EntriesFile`). Only the entries used in a run are
 * kept: a run appends the specs it validated, or writes the file afresh when it holds more entries
 * no run used than entries used.
 */
export class AppSpecCache {
  /** Specs taken from the file, and specs validated, in this run. */
  public reused = 0;
  public computed = 0;
  /** Why the file was ignored, if it was (for tests and the curious). */
  public readonly ignored?: string;
  /** The file's specs, by key. */
  private readonly stored: EntriesFile;
  /** The specs used in this run, by key: taken from the file or validated. */
  private readonly used = new Map<string, string>();

  /** The cache at `file` (absolute), for specs validated by `code` (the checks' code fingerprint). */
  public constructor(file: string, code: string) {
    this.stored = new EntriesFile(file, FORMAT, code);
    if (this.stored.ignored) this.ignored = this.stored.ignored;
  }

  /** The spec validated for `key`, as a fresh object; undefined when there is none. */
  public get(key: string): CachedSpec | undefined {
    const json = this.used.get(key) ?? this.stored.get(key);
    if (json === undefined) return undefined;
    let spec: unknown;
    try {
      spec = JSON.parse(json);
    } catch {
      return undefined;
    }
    if (!spec || typeof spec !== 'object' || Array.isArray(spec)) return undefined;
    this.used.set(key, json);
    this.reused++;
    return spec as CachedSpec;
  }

  /** Remembers the spec validated for `key` (not when its JSON would not give it back exactly). */
  public put(key: string, spec: CachedSpec): void {
    this.computed++;
    if (isJsonExact(spec)) this.used.set(key, JSON.stringify(spec));
  }

  /**
   * Saves the entries used in this run (`EntriesFile.save`; a failure only loses the cache). A run
   * that used every entry of an intact file and validated none leaves the file as it is.
   */
  public save(): void {
    this.stored.save(this.used);
  }
}
