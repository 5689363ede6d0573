/**
 * A fast path of the manifests' YAML writer (lib/k8s/manifest-yaml.ts `dumpManifest`): the same
 * bytes as js-yaml's `dump` with the manifests' options (block style, indent 2, no line folding,
 * no anchors, the YAML 1.2 core schema, double quotes) for plain maps and lists of scalars, without
 * js-yaml's character-by-character style choice for the common strings (names, labels, paths,
 * images) and for strings of several lines (literal blocks, as js-yaml indents them). Every other
 * scalar is written by js-yaml itself, one at a time; a document with anything else whose text
 * depends on where it stands (a key of several lines or longer than 1,024 characters) or that is
 * not plain data is left to js-yaml whole (`undefined`).
 */

/** The text of one scalar as js-yaml writes it anywhere in a block document, or undefined when that depends on its place. */
export type ScalarWriter = (value: unknown) => string | undefined;

/** Whether a string would read back as another type (js-yaml's implicit types of the schema: null, booleans, numbers); then js-yaml quotes it. */
export type AmbiguityTest = (text: string) => boolean;

/**
 * Strings js-yaml writes plain (as they are) in every place: a letter or `/` first, then letters,
 * digits and `_ . / -` only; none of them is another type in the core schema unless it is one of
 * `AMBIGUOUS` (null and booleans, and the YAML 1.1 booleans js-yaml quotes for older readers).
 */
const SIMPLE = /^[A-Za-z/][A-Za-z0-9_./-]*$/;
const AMBIGUOUS = new Set([
  'null', 'Null', 'NULL', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE',
  'y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON', 'n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF',
]);

/** One line of printable ASCII: js-yaml writes it plain or in double quotes (escaping only `"` and `\\`). */
const ASCII_LINE = /^[\x20-\x7E]+$/;
/** First characters that keep a string from being plain (a space, or a YAML indicator). */
const NOT_PLAIN_FIRST = /^[ \-?:,[\]{}#&*!|=>'"%@`]/;
/** Strings js-yaml quotes for YAML 1.1 readers (its compatibility mode): booleans and base-60 numbers. */
const YAML11_BASE60 = /^[-+]?[0-9_]+(?::[0-9_]+)+(?:\.[0-9_]*)?$/;

/**
 * A line of printable ASCII as js-yaml writes it (writeScalar, chooseScalarStyle): a YAML 1.1
 * boolean or base-60 number in double quotes as it is; plain when its first and last characters
 * allow it, it holds no `: ` or ` #`, and it reads back as a string; else in double quotes.
 */
function asciiLine(text: string, ambiguous: AmbiguityTest): string {
  if (AMBIGUOUS.has(text) && !['null', 'Null', 'NULL', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE'].includes(text)) return `"${text}"`;
  if (YAML11_BASE60.test(text)) return `"${text}"`;
  const last = text.charCodeAt(text.length - 1);
  const plain = !NOT_PLAIN_FIRST.test(text) && last !== 32 && last !== 58 && !text.includes(': ') && !text.includes(' #') && !ambiguous(text);
  return plain ? text : `"${text.replace(/["\\]/g, '\\$&')}"`;
}

/** Strings of several lines whose every other character js-yaml counts printable: written as a literal block (`|`). */
const LITERAL_BLOCK = /^(?:[\n\x20-\x7E\u00A1-\u2027\u202A-\uD7FF\uE000-\uFEFE\uFF00-\uFFFD]|[\uD800-\uDBFF][\uDC00-\uDFFF])*$/;

/**
 * A string of several lines as js-yaml writes a value at `level`: a literal block, its indentation
 * indicator when it starts with a space (after any empty lines), its chomping (`-` without a final
 * line break, `+` with more than one), every line that is not empty indented two spaces a level.
 */
function literalBlock(text: string, level: number): string {
  const ind = '  '.repeat(Math.max(1, level));
  const clip = text.charCodeAt(text.length - 1) === 10;
  const keep = clip && (text.charCodeAt(text.length - 2) === 10 || text === '\n');
  let out = `|${/^\n* /.test(text) ? '2' : ''}${keep ? '+' : clip ? '' : '-'}\n`;
  let position = 0;
  while (position < text.length) {
    const next = text.indexOf('\n', position);
    const line = next === -1 ? text.slice(position) : text.slice(position, next + 1);
    position = next === -1 ? text.length : next + 1;
    if (line.length && line !== '\n') out += ind;
    out += line;
  }
  return out.charCodeAt(out.length - 1) === 10 ? out.slice(0, -1) : out;
}

/** Keys longer than this are written as explicit pairs (`? key`) by js-yaml: left to it. */
const MAX_IMPLICIT_KEY = 1024;

/** Thrown inside the writer to leave the document to js-yaml. */
const GIVE_UP = Symbol('give up');

const INDENTS: string[] = [];
/** A line break and the indentation of `level` (two spaces a level). */
function nextLine(level: number): string {
  return (INDENTS[level] ??= `\n${'  '.repeat(level)}`);
}

/**
 * The YAML of `value` as js-yaml's block-style `dump` writes it (with the trailing line break), or
 * undefined when the fast path does not apply; `scalar` writes every scalar but the simple strings.
 */
export function dumpBlockYaml(value: unknown, scalar: ScalarWriter, ambiguous: AmbiguityTest): string | undefined {
  const scalarText = (v: unknown, key: boolean, level: number): string => {
    if (typeof v === 'string' && SIMPLE.test(v) && !AMBIGUOUS.has(v)) {
      if (key && v.length > MAX_IMPLICIT_KEY) throw GIVE_UP;
      return v;
    }
    if (typeof v === 'string' && ASCII_LINE.test(v)) {
      const text = asciiLine(v, ambiguous);
      if (key && text.length > MAX_IMPLICIT_KEY) throw GIVE_UP;
      return text;
    }
    if (!key && typeof v === 'string' && v.includes('\n') && LITERAL_BLOCK.test(v)) return literalBlock(v, level);
    if (v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && !Object.is(v, -0))) {
      const text = scalar(v);
      if (text === undefined || (key && text.length > MAX_IMPLICIT_KEY)) throw GIVE_UP;
      return text;
    }
    throw GIVE_UP;
  };
  // js-yaml's writeNode for block style, appended to `out` (one string built left to right, made
  // flat once at the end: js-yaml's nested concatenation is flattened again at every level, and an
  // array of the pieces joined at the end took half again as long). `compact`: the first line of a map or list
  // continues the line before (a list item, the document). A non-empty map or list that is not
  // compact starts on a new line: after a key, `:` alone.
  let out = '';
  const startsOnNewLine = (v: unknown): boolean => v !== null && typeof v === 'object' && (Array.isArray(v) ? v.length > 0 : Object.keys(v).length > 0);
  const node = (v: unknown, level: number, compact: boolean): void => {
    if (v === null || typeof v !== 'object') {
      out += scalarText(v, false, level);
      return;
    }
    if (Array.isArray(v)) {
      if (v.length === 0) {
        out += '[]';
        return;
      }
      for (let i = 0; i < v.length; i++) {
        if (!(i in v) || v[i] === undefined) throw GIVE_UP;
        if (!compact || i > 0) out += nextLine(level);
        out += '- ';
        node(v[i], level + 1, true);
      }
      return;
    }
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) throw GIVE_UP;
    const record = v as Record<string, unknown>;
    const keys = Object.keys(record);
    if (keys.length === 0) {
      out += '{}';
      return;
    }
    for (let i = 0; i < keys.length; i++) {
      const item = record[keys[i]];
      if (item === undefined) throw GIVE_UP;
      if (!compact || i > 0) out += nextLine(level);
      out += scalarText(keys[i], true, level + 1);
      out += startsOnNewLine(item) ? ':' : ': ';
      node(item, level + 1, false);
    }
  };
  try {
    node(value, 0, true);
    out += '\n';
    // Made flat now (V8 flattens a string to read it as a number): the text is hashed, written and
    // kept, and a string of many appended pieces holds a node per piece until something flattens it.
    void Number(out);
    return out;
  } catch (e) {
    if (e === GIVE_UP) return undefined;
    throw e;
  }
}
