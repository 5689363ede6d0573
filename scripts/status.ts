// `npm run status`: each layer's sync and health in Argo CD, against the local HEAD (lib/delivery/status.ts).
import { runStatusCli } from '../lib/delivery/cli';

void runStatusCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
