// `npm run whatif -- --fail <node>[,<node>]`: the node-failure simulation for those nodes, over the rendered dist/.
// Kept for `tsx scripts/whatif.ts`; the command line is parsed by the one program (scripts/tsys.ts).
import { main } from './tsys';

void main(['whatif', ...process.argv.slice(2)]);
