#!/usr/bin/env node
// `tsys <command> [options]`: the platform's command line (scripts/tsys.ts), run through tsx's
// CommonJS hook like every npm script. `tsys --help` lists the commands.
require('tsx/cjs');
void require('../scripts/tsys.ts').main();
