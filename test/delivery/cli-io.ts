import type { CliIo } from '../../lib/delivery/cli';

/** A CliIo for tests: a given environment (nothing from the real one), captured output, fixed stdin. */
export function testIo(env: Record<string, string>, stdin = ''): CliIo & { readonly stdout: string[]; readonly stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { env, out: (l) => stdout.push(l), err: (l) => stderr.push(l), stdin: async () => stdin, stdout, stderr };
}
