import * as fs from 'fs';
import * as path from 'path';

/**
 * Every file below `dir` (anything that is not a folder), as `<prefix><path below dir>` with `/`
 * between folders, sorted name by name in each folder; none when `dir` does not exist.
 */
export function listFiles(dir: string, prefix = ''): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name)).flatMap((e) =>
    e.isDirectory() ? listFiles(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]);
}

/**
 * The paths under `prefix` (`dist/`) of a tree held as a list of paths, in the order `listFiles`
 * gives them for the same tree on disk: name by name in each folder.
 */
export function filesUnder(paths: readonly string[], prefix: string): string[] {
  const parts = (p: string) => p.split('/');
  return paths.filter((p) => p.startsWith(prefix)).map(parts).sort((a, b) => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      if (a[i] !== b[i]) return a[i].localeCompare(b[i]);
    }
    return a.length - b.length;
  }).map((p) => p.join('/'));
}

/** `lstat`, or undefined when nothing is there (also when a parent is a file). */
export function lstatOf(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p, { throwIfNoEntry: false });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw e;
  }
}
