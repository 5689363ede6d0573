/**
 * Compose variable interpolation (the compose specification's "Interpolation" section), over one
 * string or a whole parsed compose file: `$VAR`, `${VAR}`, `${VAR:-default}` / `${VAR-default}`
 * (default when unset or empty / unset), `${VAR:?err}` / `${VAR?err}` (an error when unset or
 * empty / unset), `${VAR:+alt}` / `${VAR+alt}` (alt when set), nesting in defaults
 * (`${A:-${B}}`) and `$$` for a literal `$`. Pure: the variables are given, never read from the
 * shell.
 */

/** A variable the text used that has no value: left as written, with what compose would say. */
export interface Unresolved {
  readonly variable: string;
  /** The `:?` / `?` message when the file asks for the variable to be set. */
  readonly required?: string;
}

/** A string after interpolation, with the variables it used that have no value. */
export interface InterpolatedText {
  readonly value: string;
  readonly unresolved: readonly Unresolved[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/** The index of the `}` that closes a `${` whose body starts at `start` (nesting counted), or -1. */
function closingBrace(text: string, start: number): number {
  let depth = 1;
  for (let i = start; i < text.length; i++) {
    if (text[i] === '$' && text[i + 1] === '$') {
      i++;
    } else if (text[i] === '$' && text[i + 1] === '{') {
      depth++;
      i++;
    } else if (text[i] === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/**
 * Interpolates `text` with `vars`. A variable without a value (and no default) stays as written
 * (`${X}`) and is listed, so that the import can say which value is missing; `$` not followed by a
 * name or `{` stays a `$` (as compose leaves `$(...)` and `$1`).
 */
export function interpolateText(text: string, vars: ReadonlyMap<string, string>): InterpolatedText {
  const unresolved: Unresolved[] = [];
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch !== '$') {
      out += ch;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      out += '$';
      i++;
      continue;
    }
    if (next === '{') {
      const end = closingBrace(text, i + 2);
      const name = end < 0 ? undefined : NAME.exec(text.slice(i + 2, end))?.[0];
      if (end < 0 || !name) {
        out += ch;
        continue;
      }
      const whole = text.slice(i, end + 1);
      const rest = text.slice(i + 2 + name.length, end);
      const op = /^(:?[-?+])/.exec(rest)?.[1];
      const arg = op ? rest.slice(op.length) : '';
      const value = vars.get(name);
      const set = value !== undefined;
      const nonEmpty = set && value !== '';
      const inner = () => {
        const nested = interpolateText(arg, vars);
        unresolved.push(...nested.unresolved);
        return nested.value;
      };
      if (op === undefined && rest !== '') {
        out += whole; // not an interpolation compose knows: left alone
      } else if (op === ':-' || op === '-') {
        out += (op === ':-' ? nonEmpty : set) ? value : inner();
      } else if (op === ':+' || op === '+') {
        out += (op === ':+' ? nonEmpty : set) ? inner() : '';
      } else if (op === ':?' || op === '?') {
        if ((op === ':?' ? nonEmpty : set)) out += value;
        else {
          unresolved.push({ variable: name, required: arg || `${name} must be set` });
          out += whole;
        }
      } else if (set) {
        out += value;
      } else {
        unresolved.push({ variable: name });
        out += whole;
      }
      i = end;
      continue;
    }
    const bare = NAME.exec(text.slice(i + 1))?.[0];
    if (!bare) {
      out += ch;
      continue;
    }
    const value = vars.get(bare);
    if (value === undefined) unresolved.push({ variable: bare });
    out += value ?? `$${bare}`;
    i += bare.length;
  }
  return { value: out, unresolved };
}

/** A parsed compose file after interpolation, with the unresolved variables by path (`services.web.image`). */
export interface InterpolatedTree {
  readonly data: unknown;
  readonly unresolved: ReadonlyMap<string, readonly Unresolved[]>;
}

/**
 * Interpolates every string value of a parsed compose file (keys are left alone, as compose does),
 * recording the unresolved variables at the path of each value.
 */
export function interpolateTree(data: unknown, vars: ReadonlyMap<string, string>): InterpolatedTree {
  const unresolved = new Map<string, Unresolved[]>();
  const walk = (node: unknown, at: string): unknown => {
    if (typeof node === 'string') {
      const r = interpolateText(node, vars);
      if (r.unresolved.length) unresolved.set(at, [...r.unresolved]);
      return r.value;
    }
    if (Array.isArray(node)) return node.map((v, i) => walk(v, `${at}[${i}]`));
    if (node && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node as Record<string, unknown>).map(([k, v]) => [k, walk(v, at ? `${at}.${k}` : k)]));
    }
    return node;
  };
  return { data: walk(data, ''), unresolved };
}
