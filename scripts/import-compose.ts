// `npm run import-compose -- <docker-compose.yml>`: one app spec per service (lib/delivery/import-compose.ts).
import { runImportComposeCli } from '../lib/delivery/app-cli';

void runImportComposeCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
