// `npm run mirror [-- --setup]`: shows or creates Gitea's push mirror to GitHub (lib/delivery/mirror.ts).
import { runMirrorCli } from '../lib/delivery/cli';

void runMirrorCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
