import { YAMLParseError } from 'yaml';

/**
 * A YAML parse error of a file the tools read (apps.lock.yaml, vendor/lock.yaml) in the form of
 * every input error: the position after the file name (`:line:column`, empty when the error has
 * none) and the parser's first line without its own "at line L, column C:".
 */
export function yamlErrorParts(e: unknown): { readonly at: string; readonly what: string } {
  const at = e instanceof YAMLParseError && e.linePos ? `:${e.linePos[0].line}:${e.linePos[0].col}` : '';
  const what = String((e as Error)?.message ?? e).split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  return { at, what };
}
