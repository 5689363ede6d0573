import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';

/**
 * The vendored upstream sources (`vendor/lock.yaml`): every chart and manifest set the platform
 * renders, where it came from, and the content hash synth checks before rendering it.
 */

/** One upstream source a vendored folder was copied from. */
export interface VendorSource {
  readonly name: string;
  readonly version: string;
  /** The upstream Git repository. */
  readonly repository: string;
  /** The release tag. */
  readonly ref: string;
  /** The commit the tag pointed at when it was vendored. */
  readonly commit: string;
}

/** A vendored Helm chart with its subcharts (unpacked under its `charts/`). */
export interface VendoredChart extends VendorSource {
  /** Folder, relative to the repository root. */
  readonly path: string;
  /** `hashTree` of the folder. */
  readonly sha256: string;
  readonly dependencies: readonly VendorSource[];
}

/** A vendored set of plain manifests or a kustomization. */
export interface VendoredManifests extends VendorSource {
  readonly path: string;
  readonly sha256: string;
}

export interface VendorLock {
  /** The lock file the entries were read from. */
  readonly file: string;
  readonly charts: Readonly<Record<string, VendoredChart>>;
  readonly manifests: Readonly<Record<string, VendoredManifests>>;
}

export const VENDOR_LOCK = 'vendor/lock.yaml';

/**
 * A content hash of a folder: sha256 over `<relative path>\0<sha256 of the bytes>\n` for every
 * regular file, sorted by path. Moves, renames and edits all change it.
 */
export function hashTree(dir: string): string {
  const files: string[] = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) files.push(child);
    }
  };
  walk('');
  files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const h = createHash('sha256');
  for (const f of files) h.update(`${f}\0${createHash('sha256').update(fs.readFileSync(path.join(dir, f))).digest('hex')}\n`);
  return h.digest('hex');
}

/** Reads `vendor/lock.yaml` under `root`; throws naming the file and the entry when it is malformed. */
export function readVendorLock(root: string): VendorLock {
  const file = path.join(root, VENDOR_LOCK);
  if (!fs.existsSync(file)) return { file, charts: {}, manifests: {} };
  const doc = (parse(fs.readFileSync(file, 'utf8')) ?? {}) as { charts?: Record<string, Partial<VendoredChart>>; manifests?: Record<string, Partial<VendoredManifests>> };
  const need = (section: string, name: string, entry: Record<string, unknown>, keys: readonly string[]) => {
    for (const k of keys) {
      if (typeof entry[k] !== 'string' || !entry[k]) throw new Error(`${file}: ${section}.${name}.${k} must be a non-empty string; re-run npm run vendor -- ${name} <version>`);
    }
  };
  const charts: Record<string, VendoredChart> = {};
  for (const [name, entry] of Object.entries(doc.charts ?? {})) {
    need('charts', name, entry as Record<string, unknown>, ['version', 'path', 'repository', 'ref', 'sha256']);
    charts[name] = Object.freeze({ ...(entry as VendoredChart), name, dependencies: entry.dependencies ?? [] });
  }
  const manifests: Record<string, VendoredManifests> = {};
  for (const [name, entry] of Object.entries(doc.manifests ?? {})) {
    need('manifests', name, entry as Record<string, unknown>, ['version', 'path', 'repository', 'ref', 'sha256']);
    manifests[name] = Object.freeze({ ...(entry as VendoredManifests), name });
  }
  return Object.freeze({ file, charts: Object.freeze(charts), manifests: Object.freeze(manifests) });
}
