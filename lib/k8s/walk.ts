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
