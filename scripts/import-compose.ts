// `npm run import-compose -- <docker-compose.yml>`: one app spec per service (lib/paas/import-compose.ts).
import { runImportComposeCli } from '../lib/paas/cli';

void runImportComposeCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
