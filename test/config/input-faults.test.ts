import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ConfigError } from '../../lib/config/errors';
import { MAX_INPUT_BYTES } from '../../lib/config/input-file';
import { loadApps, parseApp } from '../../lib/config/load-apps';
import { parseSite } from '../../lib/config/load';
import { haproxyTable } from '../../lib/hosts/haproxy-config';
import { LAYER_NEEDS } from '../../lib/layers';
import { REPO, shippedSite } from '../helpers';

/*
 * Inputs a fault sweep found accepted, lost or slow (session 26): each now refused with the file
 * and what to do, or read the same way on every path.
 */

const site = shippedSite();
const WHITEBOARD = fs.readFileSync(path.join(REPO, 'apps', 'whiteboard.yaml'), 'utf8');

/** The problems of `fn` as `file:line:col field: message` lines; none when it does not throw a ConfigError. */
function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.issues.map((i) => `${i.file}:${i.line}:${i.column} ${i.field}: ${i.message}`);
  }
  return [];
}

describe('app specs read the same on the fast path and the path with positions', () => {
  test('GIVEN a %YAML 1.1 directive and a port written 017620 (octal in YAML 1.1) WHEN parsed THEN the port is 8080, as the yaml package reads the file for messages (js-yaml alone read 17620)', () => {
    const text = `%YAML 1.1\n---\n${WHITEBOARD.replace(/^( {4}port:) 8080$/m, '$1 017620')}`;
    expect(text).toContain('port: 017620');
    const spec = parseApp(text, 'apps/whiteboard.yaml', site, LAYER_NEEDS);
    expect(spec.ports[0].port).toBe(8080);
  });

  test('GIVEN a port written in binary beside another mistake, and alone WHEN parsed THEN both give the same finding on the port (it was accepted when alone)', () => {
    const binary = WHITEBOARD.replace(/^( {4}port:) 8080$/m, '$1 0b1111110010000');
    const alone = problems(() => parseApp(binary, 'apps/whiteboard.yaml', site, LAYER_NEEDS));
    const withOther = problems(() => parseApp(binary.replace('environment: prod', 'environment: staging'), 'apps/whiteboard.yaml', site, LAYER_NEEDS));
    expect(alone).toEqual([expect.stringMatching(/ports\[0\]\.port: must be a number, got "0b1111110010000"$/)]);
    expect(withOther).toEqual([expect.stringMatching(/environment: must be one of/), alone[0]]);
  });
});

describe('the apps folder and the size of an input', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'input-faults-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test.each([['whiteboard.YAML'], ['whiteboard.Yml'], ['whiteboard.yaml ']])('GIVEN an app spec named %j WHEN apps/ is loaded THEN it is refused, naming the file and the name to give it (it was skipped, and the app removed from the render)', (name) => {
    fs.writeFileSync(path.join(dir, name), WHITEBOARD);
    const found = problems(() => loadApps(dir, site, LAYER_NEEDS));
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(`${name}:0:0 : an app spec's name ends in .yaml or .yml, in lower case`);
    expect(found[0]).toMatch(/rename it to "whiteboard\.(yaml|yml)"/);
  });

  test('GIVEN an app spec larger than its limit (a map of many keys made the parser with positions take minutes, with no message) WHEN apps/ is loaded THEN it is refused at once, naming its size and the limit', () => {
    const lines = [WHITEBOARD.replace(/^env:$/m, 'env:')];
    for (let i = 0; lines.join('\n').length <= MAX_INPUT_BYTES['the app spec']; i++) lines.push(`  K${i}: "${'v'.repeat(100)}"`);
    fs.writeFileSync(path.join(dir, 'big.yaml'), `${lines.join('\n')}\n`);
    const started = Date.now();
    const found = problems(() => loadApps(dir, site, LAYER_NEEDS));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(found).toEqual([expect.stringMatching(/big\.yaml:0:0 : the app spec is 1\.0 MB, more than the 1 MB it may be/)]);
  });

  test('GIVEN an app spec just under the limit WHEN loaded THEN it is read as before (the limit refuses only what is larger)', () => {
    const text = `${WHITEBOARD}# ${'x'.repeat(MAX_INPUT_BYTES['the app spec'] - WHITEBOARD.length - 3)}\n`;
    expect(Buffer.byteLength(text)).toBe(MAX_INPUT_BYTES['the app spec']);
    fs.writeFileSync(path.join(dir, 'whiteboard.yaml'), text);
    expect(loadApps(dir, site, LAYER_NEEDS).map((a) => a.name)).toEqual(['whiteboard']);
  });
});

describe('keys JavaScript reserves', () => {
  test('GIVEN a site whose versions map has a __proto__ key WHEN parsed THEN it is refused at the key (it was dropped without a word)', () => {
    const text = fs.readFileSync(path.join(REPO, 'site.yaml'), 'utf8').replace(/^versions:.*$/m, 'versions:\n  __proto__: "1.0.0"');
    expect(text).toContain('  __proto__: "1.0.0"');
    const found = problems(() => parseSite(text, 'site.yaml'));
    expect(found).toEqual([expect.stringMatching(/^site\.yaml:\d+:3 versions\.__proto__: "__proto__" cannot be a key here/)]);
  });
});

describe('the HAProxy README table', () => {
  test('GIVEN a description with a "|" WHEN the table is made THEN the "|" is escaped and the row keeps its four cells', () => {
    const table = haproxyTable([{ host: 'wiki.turnsys.com', layer: 'paas', description: 'wiki | notes', address: '10.0.0.1', port: 80 }], []);
    const row = table.split('\n').find((l) => l.startsWith('| wiki.turnsys.com'))!;
    expect(row).toBe('| wiki.turnsys.com | 10.0.0.1:80 | paas | wiki \\| notes |');
    expect(row.split(/(?<!\\)\|/).length - 2).toBe(4);
  });
});
