import * as fs from 'fs';
import * as path from 'path';
import { JsonMap } from '../../k8s/manifest';
import { ComposeMount } from '../compose';

/**
 * What becomes of each mount of a compose service: a volume, a writable path (tmpfs), dropped
 * (source code of the build context), or not translated (a single file, configuration, the
 * Docker socket, the host system). Whether a bind mount is a single file or a folder is read from
 * the host path when it is beside the compose file (bindKind); the name rules decide otherwise.
 */

/** Folder names that look like files (`conf.d`) or that hold configuration by convention. */
const KNOWN_FOLDERS = new Set(['.cache', '.config', '.local', '.ssh', '.git', '.npm', '.m2', '.gradle', '.kube', '.aws', '.docker', '.vscode']);
/** File names without an extension that images read (`Caddyfile`, `htpasswd`). */
const KNOWN_FILES = new Set(['caddyfile', 'corefile', 'crontab', 'htpasswd', 'authorized_keys', 'known_hosts', 'dockerfile', 'makefile', 'procfile']);

/** A bind mount's host path: a single file or a folder, and what says so. */
export interface BindKind {
  readonly file: boolean;
  readonly why: string;
}

/**
 * Whether the host path of a bind mount is a single file, by these rules in order:
 * 1. a relative host path that exists beside the compose file (`projectDir`) is what it is there;
 *    absolute and `~` paths are not looked at (they are another machine's: the import stays the same everywhere);
 * 2. a trailing `/` makes a folder;
 * 3. a name known as a folder (`conf.d`, any `*.d`; `.ssh`, `.config`...) makes a folder, one known as a file (`Caddyfile`, `htpasswd`) a file;
 * 4. a name with an extension (`nginx.conf`, `logstash-nginx.config`; an extension holds a letter, so `v1.2` has none) or a
 *    dotfile (`.env`, `.htpasswd`) makes a file;
 * 5. anything else is a folder (what Docker creates for a host path that does not exist).
 */
export function bindKind(source: string, target: string, projectDir: string | undefined): BindKind {
  if (projectDir !== undefined && !path.posix.isAbsolute(source) && !source.startsWith('~')) {
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(path.resolve(projectDir, source), { throwIfNoEntry: false });
    } catch {
      st = undefined;
    }
    if (st?.isFile()) return { file: true, why: `${source} is a file beside the compose file` };
    if (st?.isDirectory()) return { file: false, why: `${source} is a folder beside the compose file` };
  }
  if (source.endsWith('/') || target.endsWith('/')) return { file: false, why: 'its path ends with "/"' };
  const name = path.posix.basename(source.replace(/\/+$/, ''));
  if (name === '' || name === '.' || name === '..' || name === '~') return { file: false, why: 'it is a folder by its path' };
  const lower = name.toLowerCase();
  if (KNOWN_FOLDERS.has(lower) || /.\.d$/.test(lower)) return { file: false, why: `"${name}" is a folder's name` };
  if (KNOWN_FILES.has(lower)) return { file: true, why: `"${name}" is a file's name` };
  if (/[^.]\.[a-z0-9_-]*[a-z][a-z0-9_-]*$/.test(lower)) return { file: true, why: `"${name}" has a file extension` };
  if (/^\.[^.]+$/.test(name)) return { file: true, why: `"${name}" is a dotfile` };
  return { file: false, why: `"${name}" has no file extension` };
}

/** The build context of a service (`build: ./x` or `build: { context: ./x }`), normalised, if it has one. */
export function buildContext(spec: JsonMap): string | undefined {
  const b = spec.build;
  const ctx = typeof b === 'string' ? b : b && typeof b === 'object' ? (b as JsonMap).context : undefined;
  return ctx === undefined ? undefined : path.posix.normalize(String(ctx) || '.');
}

/** Whether a host path lies inside a build context (both relative to the project folder). */
function inside(source: string, context: string): boolean {
  const rel = path.posix.relative(context, path.posix.normalize(source));
  return !rel.startsWith('..') && !path.posix.isAbsolute(rel);
}

/** What becomes of one mount. */
export type MountPlan =
  | { readonly kind: 'writable'; readonly mount: ComposeMount }
  | { readonly kind: 'dropped'; readonly mount: ComposeMount; readonly note: string }
  | { readonly kind: 'untranslated'; readonly mount: ComposeMount; readonly text: string }
  /** `host`: a bind mount's host path as compared between services (absolute when the project folder is known). */
  | { readonly kind: 'volume'; readonly mount: ComposeMount; readonly host?: string };

/** The host path of a bind mount as services are compared by: resolved from the project folder when known, normalised, no trailing `/`. */
function hostKey(source: string, projectDir: string | undefined): string {
  const resolved = projectDir !== undefined && !source.startsWith('~') ? path.resolve(projectDir, source) : path.posix.normalize(source);
  return resolved.length > 1 ? resolved.replace(/\/+$/, '') : resolved;
}

/** What becomes of each mount of a service, in order (`projectDir`: the compose file's folder, for bind mounts' host paths). */
export function planMounts(spec: JsonMap, mounts: readonly ComposeMount[], projectDir: string | undefined): MountPlan[] {
  const context = buildContext(spec);
  const dropped: string[] = [];
  return mounts.map((m): MountPlan => {
    if (m.type === 'tmpfs') return { kind: 'writable', mount: m };
    const shown = `${m.source}:${m.target}`;
    if (m.source && /docker\.sock$/.test(m.source)) return { kind: 'untranslated', mount: m, text: `volume ${shown}: there is no Docker socket on the nodes` };
    if (m.type === 'bind' && context !== undefined && inside(m.source!, context)) {
      dropped.push(m.target);
      return { kind: 'dropped', mount: m, note: `volume ${shown} dropped: it mounts source code from the build context (${context}) over the image's; the image built from that context carries it` };
    }
    if (m.type === 'anonymous' && dropped.some((d) => m.target.startsWith(`${d}/`))) {
      return { kind: 'dropped', mount: m, note: `anonymous volume ${m.target} dropped: it kept the image's files under the dropped source mount` };
    }
    if (m.type !== 'bind') return { kind: 'volume', mount: m };
    if (/^\/(etc|proc|sys|dev|run|var\/run|var\/lib\/docker)(\/|$)/.test(m.source!)) {
      return { kind: 'untranslated', mount: m, text: `volume ${shown}: a file or folder of the host system; containers do not see the node's (time zone: set env TZ)` };
    }
    const kind = bindKind(m.source!, m.target, projectDir);
    if (kind.file) return { kind: 'untranslated', mount: m, text: `volume ${shown}: a single file from the host (${kind.why}); bake it into the image or mount it from a ConfigMap by hand` };
    if (m.readOnly || /^\/etc\//.test(m.target)) {
      return { kind: 'untranslated', mount: m, text: `volume ${shown}${m.readOnly ? ' (read-only)' : ''}: configuration from the host; bake it into the image or mount it from a ConfigMap by hand` };
    }
    return { kind: 'volume', mount: m, host: hostKey(m.source!, projectDir) };
  });
}

/** Whether two host paths are the same folder or one holds the other. */
export function overlaps(a: string, b: string): boolean {
  return a === b || b.startsWith(`${a === '/' ? '' : a}/`) || a.startsWith(`${b === '/' ? '' : b}/`);
}
