import * as fs from 'fs';
import * as path from 'path';
import { ConfigError } from '../../lib/config/errors';
import { loadSite } from '../../lib/config/load';
import { decodeUtf8, firstInvalidUtf8 } from '../../lib/config/utf8';
import { REPO, writeTree } from '../helpers';

const bytes = (...b: number[]) => Uint8Array.from(b);

describe('input files must be UTF-8', () => {
  test.each([
    ['ASCII', bytes(0x61, 0x62), -1],
    ['é, €, 😀', Buffer.from('é € 😀'), -1],
    ['a Latin-1 é', bytes(0x61, 0xe9, 0x62), 1],
    ['an overlong "/"', bytes(0xc0, 0xaf), 0],
    ['a UTF-16 surrogate', bytes(0x61, 0xed, 0xa0, 0x80), 1],
    ['a code point above U+10FFFF', bytes(0xf4, 0x90, 0x80, 0x80), 0],
    ['a sequence cut short by the end', bytes(0x61, 0xe2, 0x82), 1],
    ['a lone continuation byte', bytes(0x80), 0],
  ])('GIVEN %s WHEN scanned THEN the first bad byte is at %s', (_what, input, at) => {
    expect(firstInvalidUtf8(input as Uint8Array)).toBe(at);
    if (at === -1) expect(decodeUtf8(input as Uint8Array, 'x.yaml')).toBe(new TextDecoder().decode(input as Uint8Array));
  });

  test('GIVEN a Latin-1 é on line 3 WHEN decoded THEN a ConfigError names the file, line and column and says to save as UTF-8', () => {
    const input = Buffer.concat([Buffer.from('a: 1\n# ok: é\nname: Montr'), bytes(0xe9), Buffer.from('al\n')]);
    let error: unknown;
    try {
      decodeUtf8(input, 'apps/wiki.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([expect.objectContaining({ file: 'apps/wiki.yaml', line: 3, column: 12, field: '' })]);
    expect((error as Error).message).toContain('apps/wiki.yaml:3:12: (document): is not valid UTF-8 (byte 0xE9');
    expect((error as Error).message).toContain('save the file as UTF-8');
  });

  test('GIVEN the shipped site with a UTF-8 comment added WHEN loaded THEN it loads', () => {
    const root = writeTree({ 'site.yaml': `# Groupe TSYS (Montréal) €\n${fs.readFileSync(path.join(REPO, 'site.yaml'), 'utf8')}` });
    try {
      expect(loadSite(path.join(root, 'site.yaml')).name).toBe('tsys');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
