import { runDrillCli } from '../../lib/drill/cli';
import { testIo } from '../delivery/cli-io';
import { poweredOffWorld } from '../drill/fake-world';
import { REPO } from '../helpers';
import { commandLine } from '../command-line';

/** The drill command the sample in docs/operations.md shows. */
export const DRILL_SAMPLE_ARGS = ['--app', 'whiteboard', '--node', 'www1', '--board', 'drill', '--power-off'] as const;

/**
 * What `npm run drill` prints for the shipped whiteboard (apps/whiteboard.yaml and its rendered
 * Deployment in dist/) when www1 is powered off, against a fake cluster and clock: the app fails
 * from +3 s, the node goes NotReady at +20 s, and a new pod answers on www2 at +60 s.
 */
export async function drillSample(): Promise<string> {
  const world = poweredOffWorld();
  const io = testIo({});
  const code = await runDrillCli(commandLine('drill', ...DRILL_SAMPLE_ARGS, '--root', REPO), io, { cluster: world.cluster, prober: world.prober, clock: world.clock });
  if (code !== 0 || io.stderr.length) throw new Error(`the drill sample failed (exit ${code}): ${io.stderr.join('\n')}`);
  return [`$ npm run drill -- ${DRILL_SAMPLE_ARGS.join(' ')}`, ...io.stdout].join('\n');
}
