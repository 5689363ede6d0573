// `npm run drill`: the node-failure drill on the real cluster (lib/drill/drill.ts); Ctrl-C stops it and says what to undo.
import { runDrillCli } from '../lib/drill/cli';
import { processIo } from '../lib/delivery/cli';

const interrupt = new AbortController();
process.once('SIGINT', () => interrupt.abort());
void runDrillCli(process.argv.slice(2), processIo(), { signal: interrupt.signal }).then((code) => {
  process.exit(code);
});
