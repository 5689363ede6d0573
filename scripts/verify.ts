// `npm run verify`: strict schema and reference checks of the rendered dist/ and argocd/.
import { runVerifyCli } from '../lib/cli';

process.exitCode = runVerifyCli(undefined, process.argv.slice(2));
