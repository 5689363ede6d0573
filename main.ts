// Renders the platform for site.yaml into dist/ and argocd/ (verified, then swapped in atomically).
// Run by `npm run synth` and by `cdk8s synth` (cdk8s.yaml).
import { runSynthCli } from './lib/cli';

process.exitCode = runSynthCli(process.argv.slice(2));
