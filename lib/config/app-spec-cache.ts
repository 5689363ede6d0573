import * as path from 'path';
import { EntriesFile, isJsonExact, sha256 } from '../cache-file';
import { FileStat, statKey } from '../render/render-stats';
import type { AppSpec } from './app-schema';
import { LayerNeeds, platformDatabases, platformHosts, publishes } from './platform-rules';
import type { Site } from './schema';

/**
 * Where synth keeps the app specs it validated (relative to the checkout, git-ignored): the next
 * synth takes a spec whose file text, site and layers' needs are the same from here instead of
 * parsing and checking it again. The site validated from site.yaml's text is kept here too
 * (lib/config/load.ts `loadSite`).
 */
export const APP_SPEC_CACHE_FILE = '.synth-cache/app-specs.entries';

/**
 * The layout of the cache file (an `EntriesFile` of a spec's key, `appSpecKey`, to its JSON, and of
 * `file <absolute path of an app file>` to `<size> <mtimeMs> <ctimeMs> <ino> <mode> <sha256 of its text>`);
 * another version is ignored.
 */
const FORMAT = 3;

/** The key of an app file's stat entry (`file` as `path.join` gives it: absolute ones are already resolved). */
const fileKey = (file: string): string => `file ${path.isAbsolute(file) ? file : path.resolve(file)}`;

/** The key of a validated site (`AppSpecCache.site`): the digest of its file's text. */
const siteKey = (digest: string): string => `site ${digest}`;

/**
 * A JSON text of the app spec `{ ...spec, name, file }`, from `json`, a JSON text of the kept `spec`
 * (`getWithJson`, `put`): its keys, then the name and the file.
 */
export function specWithNameJson(json: string, name: string, file: string): string {
  const own = `"name":${JSON.stringify(name)},"file":${JSON.stringify(file)}}`;
  // JSON may end in whitespace after its closing brace.
  const text = json.trimEnd();
  return /^\{\s*\}$/.test(text) ? `{${own}` : `${text.slice(0, -1)},${own}`;
}

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

/** The digest of an app file's text (`appSpecKey`, and what the cache records for the file's stat). */
export function appTextDigest(text: string): string {
  return sha256(text);
}

/** The key of an app spec: its name (from the file name), the digest of its file's text (`appTextDigest`), and its context (`appContextDigest`). */
export function appSpecKey(name: string, textDigest: string, context: string): string {
  return sha256(`${name}\0${context}\0${textDigest}`);
}

/**
 * App specs validated by an earlier synth, content-addressed (`appSpecKey`), under the fingerprint of
 * the code that validated them. Only specs that passed every check are kept: a file with a problem
 * is always parsed again, so its `file:line:col` messages come out the same.
 *
 * An optimisation only: a load with it gives the same specs as one without. A file that does not
 * read or was written by other code (stale) is ignored as a whole, and entries that do not match the
 * hash of their block (corrupted) are ignored (`EntriesFile`).
 *
 * It also records, for each app file whose spec it keeps, the file's stat and the digest of its text
 * (as the render stats do for dist/, lib/render/render-stats.ts): the next load trusts a file whose
 * stat is still the one recorded to hold that text, and takes its spec without reading it. A stat
 * is recorded only when taken before the file was read and after it had settled (`settled`), and
 * only for a file whose spec passed every check. Only the entries used in a run are
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
  /** The specs used in this run, by key: taken from the file or validated; and the app files' stats noted (`noteFile`). */
  private readonly used = new Map<string, string>();

  /**
   * The cache at `file` (absolute), for specs validated by `code` (the checks' code fingerprint).
   * `mode`: `write` (synth's) keeps what the load validated and saves it; `read-only` (the diff's,
   * which renders the working tree without writing) only reads: `put` and `keepSite` keep nothing
   * (turning a thousand changed specs into JSON for a save that never comes) and `save` does nothing.
   */
  public constructor(file: string, code: string, public readonly mode: 'write' | 'read-only' = 'write') {
    this.stored = new EntriesFile(file, FORMAT, code);
    if (this.stored.ignored) this.ignored = this.stored.ignored;
  }

  /** The spec validated for `key`, as a fresh object; undefined when there is none. */
  public get(key: string): CachedSpec | undefined {
    return this.getWithJson(key)?.spec;
  }

  /** The spec validated for `key`, as a fresh object, with the JSON text it was read from; undefined when there is none. */
  public getWithJson(key: string): { readonly spec: CachedSpec; readonly json: string } | undefined {
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
    return { spec: spec as CachedSpec, json };
  }

  /**
   * The digest of the text of the app file `file` recorded with `stat` (`noteFile`): when its stat now
   * is that one, the file still holds that text. Undefined when none was recorded for that stat.
   */
  public trustedDigest(file: string, stat: FileStat): string | undefined {
    const entry = this.stored.get(fileKey(file));
    if (entry === undefined) return undefined;
    const key = statKey(stat);
    if (entry.length !== key.length + 65 || !entry.startsWith(key) || entry.charCodeAt(key.length) !== 32) return undefined;
    const digest = entry.slice(key.length + 1);
    return /^[0-9a-f]{64}$/.test(digest) ? digest : undefined;
  }

  /**
   * Records that the app file `file` held text of digest `digest` (`appTextDigest`) when its stat was
   * `stat`: taken before the text was read, and settled then (render-stats.ts `settled`); its spec
   * passed every check. Saved with the specs.
   */
  public noteFile(file: string, stat: FileStat, digest: string): void {
    this.used.set(fileKey(file), `${statKey(stat)} ${digest}`);
  }

  /** The site validated from a site file's text of digest `digest` (lib/config/load.ts `SiteMemo`), as a fresh object; undefined when there is none. */
  public site(digest: string): unknown {
    const key = siteKey(digest);
    const json = this.used.get(key) ?? this.stored.get(key);
    if (json === undefined) return undefined;
    try {
      const site: unknown = JSON.parse(json);
      this.used.set(key, json);
      return site;
    } catch {
      return undefined;
    }
  }

  /** Keeps the site validated from a text of digest `digest` (not when its JSON would not give it back exactly). */
  public keepSite(digest: string, site: Site): void {
    if (this.mode === 'write' && isJsonExact(site)) this.used.set(siteKey(digest), JSON.stringify(site));
  }

  /**
   * Remembers the spec validated for `key` (not when its JSON would not give it back exactly); returns
   * that JSON (the text a later `getWithJson` gives with it), also in `read-only` mode, which keeps nothing.
   */
  public put(key: string, spec: CachedSpec): string | undefined {
    this.computed++;
    if (!isJsonExact(spec)) return undefined;
    const json = JSON.stringify(spec);
    if (this.mode === 'write') this.used.set(key, json);
    return json;
  }

  /**
   * Saves the entries used in this run (`EntriesFile.save`; a failure only loses the cache). A run
   * that used every entry of an intact file and validated none leaves the file as it is.
   */
  public save(): void {
    if (this.mode === 'read-only') return;
    this.stored.save(this.used);
  }
}
