// `npm run publish`: synth, verify, commit the render, push to the branch Argo CD follows (lib/delivery/publish.ts).
import { runPublishCli } from '../lib/delivery/cli';

void runPublishCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
