#!/usr/bin/env node
// `tsys <command> [options]`: the platform's command line (scripts/tsys.ts), run from a bundle of
// its code when one is current or can be built (bin/bundle.js), else through tsx's CommonJS hook.
// `tsys --help` lists the commands.
const path = require('path');
const { loadEntry } = require('./bundle');

const root = path.resolve(__dirname, '..');
void loadEntry(path.join(root, 'scripts', 'tsys.ts'), path.join(root, 'node_modules', '.cache', 'tsys-bundle')).then((cli) => cli.main());
