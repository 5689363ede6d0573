// `npm run whatif -- --fail <node>[,<node>]`: the node-failure simulation for those nodes, over the rendered dist/.
import { runWhatIfCli } from '../lib/verify/whatif';

process.exitCode = runWhatIfCli(process.argv.slice(2));
