import { interpolateText } from './interpolation';

/**
 * A `.env` file as compose reads it: `KEY=value` lines, `#` comments, an optional `export `,
 * single-quoted values literal, double-quoted values with `\n`/`\"` escapes and interpolation,
 * unquoted values interpolated and cut at ` #`. A value may use the variables defined above it
 * (and those given in `vars`). Pure.
 */

/** A line of an env file that is not `KEY=value`. */
export class EnvFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvFileError';
  }
}

/** The variables of an env file, added to (and overriding) `vars`; `file` names it in errors. */
export function parseEnvFile(text: string, file: string, vars: ReadonlyMap<string, string> = new Map()): Map<string, string> {
  const out = new Map(vars);
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
    if (!m) {
      // A bare name (`KEY`) sets nothing: compose takes it from the shell, which the import does not read.
      if (/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(line)) continue;
      throw new EnvFileError(`${file}:${n + 1}: "${line}" is not KEY=value; fix the line or leave it out`);
    }
    const [, key, raw] = m;
    let value: string;
    if (raw.startsWith("'")) {
      const close = raw.indexOf("'", 1);
      value = close < 0 ? raw.slice(1) : raw.slice(1, close);
    } else if (raw.startsWith('"')) {
      let body = '';
      let i = 1;
      let text2 = raw;
      // A double-quoted value may span lines.
      for (;;) {
        for (; i < text2.length && text2[i] !== '"'; i++) {
          if (text2[i] === '\\' && i + 1 < text2.length) {
            const e = text2[++i];
            body += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e;
          } else body += text2[i];
        }
        if (i < text2.length || n + 1 >= lines.length) break;
        body += '\n';
        text2 = lines[++n];
        i = 0;
      }
      value = interpolateText(body, out).value;
    } else {
      value = interpolateText(raw.replace(/\s+#.*$/, '').trim(), out).value;
    }
    out.set(key, value);
  }
  return out;
}
