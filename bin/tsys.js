#!/usr/bin/env node
// `tsys <command> [options]`: the platform's command line (scripts/tsys.ts), run from a bundle of
// its code when one is current or can be built (bin/bundle.js), else through tsx's CommonJS hook.
// Once the command ran, the bundle's V8 code cache for that command is written when there was none
// (bin/code-cache.js). `tsys --help` lists the commands.
const path = require('path');
const { startEntry } = require('./bundle');

const root = path.resolve(__dirname, '..');
const cacheDir = path.join(root, 'node_modules', '.cache', 'tsys-bundle');
void startEntry(path.join(root, 'scripts', 'tsys.ts'), cacheDir, process.argv[2]).then((cli) => cli.exports.main().then(cli.saveCodeCache));
