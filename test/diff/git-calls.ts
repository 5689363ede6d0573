// The module object itself (not an import's copy of it): lib/diff/git.ts calls execFileSync through it.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const childProcess: typeof import('child_process') = require('child_process');

/** The git subcommands run on this thread while `f` runs (lib/diff/git.ts runs `git -C <root> <subcommand> ...`), and what it returned. */
export function gitCalls<T>(f: () => T): { result: T; calls: string[] } {
  const calls: string[] = [];
  const real = childProcess.execFileSync;
  const spy = jest.spyOn(childProcess, 'execFileSync').mockImplementation(((file: string, args: readonly string[], options: object) => {
    calls.push(args[2]);
    return real(file, args, options);
  }) as typeof real);
  try {
    return { result: f(), calls };
  } finally {
    spy.mockRestore();
  }
}
