import { Document, isPair, isScalar, isSeq, Node, visit, YAMLError } from 'yaml';

/** A YAML syntax error as a user reads it: the field it is in (empty for the document) and what to do. */
export interface SyntaxProblem {
  /** Dotted field path of the offending key, e.g. `expose.http.host`; empty when there is none. */
  readonly field: string;
  /** What is wrong and what is allowed, in the words of an input file (no parser API). */
  readonly message: string;
  /** Where to report it when not where the parser stopped (an offset into the text). @default - the error's own position */
  readonly offset?: number;
}

/** What a value nested deeper than the YAML parser's stack is, in the user's words (input files and compose files alike). */
export const NESTED_TOO_DEEP = 'nests too deeply to read (lists or maps inside each other thousands of levels deep)';

/** The dotted path (`a.b[2].c`) of the nodes in `ancestors` (a `visit` path and the map holding `key`) down to the key `key`. */
function fieldPath(ancestors: readonly unknown[], key: unknown): string {
  let out = '';
  for (let i = 0; i < ancestors.length; i++) {
    const node = ancestors[i];
    if (isPair(node) && isScalar(node.key)) out += `${out ? '.' : ''}${String(node.key.value)}`;
    else if (isSeq(node) && i + 1 < ancestors.length) out += `[${node.items.indexOf(ancestors[i + 1] as never)}]`;
  }
  return `${out ? `${out}.` : ''}${String(key)}`;
}

/** The key at `offset` (a duplicate) with its field path and the line of its first occurrence. */
function duplicateKey(doc: Document, offset: number, lineOf: (offset: number) => number): SyntaxProblem | undefined {
  let found: SyntaxProblem | undefined;
  visit(doc, {
    Map: (_key, map, ancestors) => {
      const index = map.items.findIndex((p) => isScalar(p.key) && (p.key as Node).range?.[0] === offset);
      if (index < 0) return undefined;
      const name = (map.items[index].key as { value: unknown }).value;
      const first = map.items.find((p) => isScalar(p.key) && p.key.value === name);
      const at = (first?.key as Node | undefined)?.range?.[0];
      found = {
        field: fieldPath([...ancestors, map], name),
        message: `duplicate key "${String(name)}"${at !== undefined && at !== offset ? ` (first set on line ${lineOf(at)})` : ''}: a map holds each key once; keep one of them`,
      };
      return visit.BREAK;
    },
  });
  return found;
}

/**
 * The user's words for a YAML syntax error of an input file (site.yaml, apps/*.yaml): a duplicate
 * key names the key, its field and its first line; a second document, tab indentation and a value
 * nested deeper than the parser can read say what to do; any other error keeps the parser's first
 * line. `lineStart` gives the offset of the start of the line holding an offset.
 */
export function syntaxProblem(doc: Document, error: YAMLError, lineOf: (offset: number) => number, lineStart: (offset: number) => number = (offset) => offset): SyntaxProblem {
  const first = error.message.split('\n')[0];
  if (error.code === 'DUPLICATE_KEY') {
    const dup = duplicateKey(doc, error.pos[0], lineOf);
    if (dup) return { field: dup.field, message: `YAML syntax: ${dup.message}` };
  }
  if (error.code === 'MULTIPLE_DOCS') {
    return { field: '', message: 'YAML syntax: a second document starts here ("---"); the file holds one document: remove this "---" and what follows it, or move that to a file of its own' };
  }
  if (error.code === 'TAB_AS_INDENT') return { field: '', message: `YAML syntax: ${first}; indent with spaces` };
  // Nesting deeper than the parser's stack: where it ran out depends on the machine, so the line is named, from its start.
  if (/Maximum call stack size exceeded/.test(first)) {
    return { field: '', offset: lineStart(error.pos[0]), message: `YAML syntax: the value on this line ${NESTED_TOO_DEEP}; a spec needs a few levels: write it flatter` };
  }
  return { field: '', message: `YAML syntax: ${first}` };
}
