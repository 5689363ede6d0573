import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkedCacheText, EntriesFile, readCacheText, readCheckedCache, sha256, writeCacheFile } from '../lib/cache-file';
import { writeTree } from './helpers';

const FORMAT = 7;
const CODE = 'the code';

/** Entries k0..k(n-1) with values v0.. (`tag` makes other values). */
const entries = (n: number, tag = 'v', from = 0) => new Map(Array.from({ length: n }, (_, i) => [`k${from + i}`, `${tag}${from + i}`]));

/** Every entry `file` gives for the keys of `keys`, and why it was ignored. */
function readBack(file: string, keys: Iterable<string>): { values: Map<string, string>; ignored?: string } {
  const read = new EntriesFile(file, FORMAT, CODE);
  const values = new Map<string, string>();
  for (const k of keys) {
    const v = read.get(k);
    if (v !== undefined) values.set(k, v);
  }
  return { values, ...(read.ignored ? { ignored: read.ignored } : {}) };
}

describe('EntriesFile: a cache file of text entries by key, appended to', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = writeTree({});
    file = path.join(dir, '.synth-cache', 'entries.json');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('GIVEN no file WHEN entries are saved THEN they read back the same, and nothing was ignored', () => {
    expect(new EntriesFile(file, FORMAT, CODE).ignored).toBeUndefined();
    new EntriesFile(file, FORMAT, CODE).save(entries(50));
    expect(readBack(file, entries(50).keys())).toEqual({ values: entries(50) });
  });

  test('GIVEN a file WHEN an entry is asked for as a head and a tail THEN it is given only when its value is exactly the head, a space and the tail', () => {
    new EntriesFile(file, FORMAT, CODE).save(new Map([['k', '12 34 abc'], ['j', '12 34']]));
    const read = new EntriesFile(file, FORMAT, CODE);
    expect(read.getJoined('k', '12 34', 'abc')).toBe('12 34 abc');
    expect(read.getJoined('k', '12', '34 abc')).toBe('12 34 abc');
    for (const [key, head, tail] of [['k', '12 34', 'abd'], ['k', '12 3', '4 abc'], ['k', '12 34 ', 'abc'], ['k', '12 34', 'ab'], ['j', '12', '3'], ['missing', '12', '34']]) {
      expect(read.getJoined(key, head, tail)).toBeUndefined();
    }
  });

  test('GIVEN a file WHEN a run saves exactly its entries THEN the file is not written again', () => {
    new EntriesFile(file, FORMAT, CODE).save(entries(50));
    const past = new Date(Date.now() - 60_000);
    fs.utimesSync(file, past, past);
    new EntriesFile(file, FORMAT, CODE).save(entries(50));
    expect(Math.round(fs.statSync(file).mtimeMs)).toBe(past.getTime());
  });

  test('GIVEN a file WHEN a run adds and changes a few entries THEN only those are appended (the file starts with its old bytes) and every entry reads back as saved last', () => {
    new EntriesFile(file, FORMAT, CODE).save(entries(50));
    const before = fs.readFileSync(file, 'utf8');
    const next = new Map([...entries(50), ...entries(2, 'changed'), ...entries(3, 'v', 50)]);
    new EntriesFile(file, FORMAT, CODE).save(next);
    const after = fs.readFileSync(file, 'utf8');
    expect(after.startsWith(before)).toBe(true);
    expect(after.length - before.length).toBeLessThan(200);
    expect(readBack(file, next.keys())).toEqual({ values: next });
  });

  test('GIVEN a file holding more entries no run uses than entries used WHEN saved THEN it is written afresh with this run\'s entries only', () => {
    new EntriesFile(file, FORMAT, CODE).save(entries(50));
    new EntriesFile(file, FORMAT, CODE).save(entries(10, 'v', 100));
    const read = readBack(file, [...entries(50).keys(), ...entries(10, 'v', 100).keys()]);
    expect(read).toEqual({ values: entries(10, 'v', 100) });
  });

  test('GIVEN entries beyond ASCII (an accent, an emoji) in a block of their own WHEN read THEN every entry reads back; WHEN a byte of one of their characters is changed THEN only that block is ignored', () => {
    const wide = new Map([['kw0', 'Café'], ['kw1', '🚀 x']]);
    new EntriesFile(file, FORMAT, CODE).save(entries(50));
    new EntriesFile(file, FORMAT, CODE).save(new Map([...entries(50), ...wide]));
    expect(readBack(file, [...entries(50).keys(), ...wide.keys()])).toEqual({ values: new Map([...entries(50), ...wide]) });
    const bytes = fs.readFileSync(file);
    bytes[bytes.indexOf(Buffer.from('é')) + 1] = 0xff;
    fs.writeFileSync(file, bytes);
    expect(readBack(file, [...entries(50).keys(), ...wide.keys()])).toEqual({ values: entries(50), ignored: 'corrupted' });
  });

  test('GIVEN a block changed inside (its hash no longer matches) WHEN read THEN that block is ignored, the others are read, and the next save writes the file afresh', () => {
    new EntriesFile(file, FORMAT, CODE).save(entries(50));
    new EntriesFile(file, FORMAT, CODE).save(new Map([...entries(50), ...entries(5, 'v', 50)]));
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('\tv51\n', '\tv99\n'));
    const read = readBack(file, entries(55).keys());
    expect(read).toEqual({ values: entries(50), ignored: 'corrupted' });
    new EntriesFile(file, FORMAT, CODE).save(entries(55));
    expect(readBack(file, entries(55).keys())).toEqual({ values: entries(55) });
  });

  test('GIVEN the last block cut short (an append that did not finish) WHEN read THEN the blocks before it are read, and the next save writes the file afresh', () => {
    new EntriesFile(file, FORMAT, CODE).save(entries(50));
    new EntriesFile(file, FORMAT, CODE).save(new Map([...entries(50), ...entries(5, 'v', 50)]));
    const text = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, text.slice(0, -4));
    expect(readBack(file, entries(55).keys())).toEqual({ values: entries(50), ignored: 'corrupted' });
    new EntriesFile(file, FORMAT, CODE).save(entries(55));
    expect(fs.readFileSync(file, 'utf8').includes(text.slice(-40, -4))).toBe(true);
    expect(readBack(file, entries(55).keys())).toEqual({ values: entries(55) });
  });

  test('GIVEN a line that is no block\'s first (a count changed) WHEN read THEN reading stops there and what is read is only what matched its hash', () => {
    new EntriesFile(file, FORMAT, CODE).save(entries(50));
    new EntriesFile(file, FORMAT, CODE).save(new Map([...entries(50), ...entries(5, 'v', 50)]));
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/ 50\n/, ' 49\n'));
    expect(readBack(file, entries(55).keys())).toEqual({ values: new Map(), ignored: 'corrupted' });
  });

  test('GIVEN a file that is not JSON, of another layout, or written by other code WHEN read THEN it is ignored as a whole', () => {
    new EntriesFile(file, FORMAT, CODE).save(entries(5));
    expect(new EntriesFile(file, FORMAT, 'other code').ignored).toBe('written by other code');
    expect(new EntriesFile(file, FORMAT + 1, CODE).ignored).toBe('another format');
    expect(new EntriesFile(file, FORMAT, 'other code').get('k0')).toBeUndefined();
    fs.writeFileSync(file, '{"format": 7, "co');
    expect(readBack(file, ['k0'])).toEqual({ values: new Map(), ignored: 'not JSON' });
  });

  test('GIVEN entries a line cannot hold (a key with a tab or a newline, a value with a newline) WHEN saved THEN they are left out and the others read back', () => {
    const odd = new Map([['a\tb', 'x'], ['c\nd', 'y'], ['e', 'two\nlines'], ['f', 'fine']]);
    new EntriesFile(file, FORMAT, CODE).save(odd);
    expect(readBack(file, odd.keys())).toEqual({ values: new Map([['f', 'fine']]) });
  });
});

describe('readCacheText: a cache file\'s text', () => {
  test('GIVEN files of ASCII, of other UTF-8, of bytes that are not UTF-8, and an empty one WHEN read THEN each is the text readFileSync gives as UTF-8', () => {
    const dir = writeTree({});
    try {
      const cases = [Buffer.from('{"a":1}\n'), Buffer.from('caf\u00e9 \u2713 \ud83d\ude00\n'), Buffer.from([0x61, 0xff, 0xfe, 0x80, 0x62, 0xc3]), Buffer.alloc(0), Buffer.alloc(1 << 20, 0x61)];
      cases.forEach((bytes, i) => {
        const file = path.join(dir, `f${i}`);
        fs.writeFileSync(file, bytes);
        expect(readCacheText(file)).toBe(fs.readFileSync(file, 'utf8'));
      });
      expect(() => readCacheText(path.join(dir, 'missing'))).toThrow(/ENOENT/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('writeCacheFile: a cache file written atomically', () => {
  test('GIVEN a text in parts (none, empty ones, non-ASCII, more than a write chunk) WHEN written THEN the file is their concatenation, the same bytes as the text whole', () => {
    const dir = writeTree({});
    try {
      const big = 'x'.repeat((1 << 20) + 17);
      const cases: string[][] = [[], [''], ['header\n', 'caf\u00e9 \u2713 \ud83d\ude00', '\n'], ['a', big, 'b', big, '\n'], Array.from({ length: 5000 }, (_, i) => `line ${i}\n`)];
      cases.forEach((parts, i) => {
        const inParts = path.join(dir, `parts${i}`);
        const whole = path.join(dir, `whole${i}`);
        writeCacheFile(inParts, parts);
        writeCacheFile(whole, parts.join(''));
        expect(fs.readFileSync(inParts).equals(fs.readFileSync(whole))).toBe(true);
        expect(fs.readFileSync(inParts, 'utf8')).toBe(parts.join(''));
      });
      expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('GIVEN parts from a generator, texts and bytes mixed (a byte part between texts, one larger than a write chunk, one split inside a character) WHEN written THEN the file is their concatenation, and each part is made only as it is written', () => {
    const dir = writeTree({});
    try {
      const big = Buffer.from('y'.repeat((1 << 20) + 3));
      const smile = Buffer.from('\ud83d\ude00', 'utf8');
      const made: number[] = [];
      const file = path.join(dir, 'mixed');
      writeCacheFile(file, (function* parts() {
        made.push(fs.existsSync(`${file}.${process.pid}.tmp`) ? 1 : 0);
        yield 'header\n';
        yield Buffer.from('caf\u00e9\n', 'utf8');
        yield 'text ';
        yield big;
        yield smile.subarray(0, 2);
        yield smile.subarray(2);
        yield '\n';
      })());
      const expected = Buffer.concat([Buffer.from('header\n'), Buffer.from('caf\u00e9\n', 'utf8'), Buffer.from('text '), big, smile, Buffer.from('\n')]);
      expect(fs.readFileSync(file).equals(expected)).toBe(true);
      // The generator ran once the temporary file was open: its parts are written as they come.
      expect(made).toEqual([1]);
      expect(fs.readdirSync(dir)).toEqual(['mixed']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('GIVEN thousands of small parts, bytes and texts in turn WHEN written THEN they are written about a MB at a time, not one write each', () => {
    const dir = writeTree({});
    // The fs module itself (this file's `fs` is an import binding, which cannot be spied on).
    const writes = jest.spyOn(require('fs') as typeof fs, 'writeSync');
    try {
      const line = Buffer.from(`${'z'.repeat(300)}`);
      writeCacheFile(path.join(dir, 'lines'), (function* parts() {
        for (let i = 0; i < 5000; i++) yield* [line, '\n'];
      })());
      expect(fs.statSync(path.join(dir, 'lines')).size).toBe(5000 * 301);
      expect(writes.mock.calls.length).toBeLessThanOrEqual(3);
    } finally {
      writes.mockRestore();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('GIVEN parts and a folder that cannot be made WHEN written THEN nothing is thrown and no file is left', () => {
    const dir = writeTree({ blocker: 'a file where the folder would be' });
    try {
      expect(() => writeCacheFile(path.join(dir, 'blocker', 'cache.json'), ['a', 'b'])).not.toThrow();
      expect(fs.readdirSync(dir)).toEqual(['blocker']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('sha256: the digest caches and renders address content by', () => {
  test('GIVEN texts (ASCII, accented, astral, a lone surrogate, empty, large) and bytes WHEN hashed THEN each digest is the one a Hash object gives for the same UTF-8 bytes', () => {
    const texts = ['kind: ConfigMap\n', 'café ✓', '\u{1F600} emoji', 'lone \ud800 surrogate', '', 'x'.repeat(1 << 20)];
    for (const t of texts) expect(sha256(t)).toBe(createHash('sha256').update(t, 'utf8').digest('hex'));
    const bytes = Buffer.from([0, 1, 2, 0xff, 0xfe]);
    expect(sha256(bytes)).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(sha256(bytes.subarray(1, 3))).toBe(createHash('sha256').update(Buffer.from([1, 2])).digest('hex'));
    expect(sha256('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('sha256 without crypto.hash (Node before 20.12)', () => {
  test('GIVEN a runtime without crypto.hash WHEN the module is loaded THEN its sha256 gives the same hex digests through a Hash object', () => {
    const crypto = require('crypto') as { hash?: unknown }; // eslint-disable-line @typescript-eslint/no-require-imports
    const saved = crypto.hash;
    let fallback: ((d: string | Uint8Array) => string) | undefined;
    try {
      delete crypto.hash;
      jest.isolateModules(() => {
        fallback = (require('../lib/cache-file') as { sha256: (d: string | Uint8Array) => string }).sha256; // eslint-disable-line @typescript-eslint/no-require-imports
      });
    } finally {
      crypto.hash = saved;
    }
    for (const d of ['abc', 'lone \ud800 surrogate', '', Buffer.from([1, 2, 3]).subarray(1)]) expect(fallback!(d)).toBe(createHash('sha256').update(d).digest('hex'));
    expect(fallback).not.toBe(sha256);
  });
});

describe('checked cache files (checkedCacheText, readCheckedCache)', () => {
  const dir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'checked-cache-'));

  test('GIVEN a body written checked (ASCII, and beyond) WHEN read back THEN it is the body; WHEN any one bit of the file is flipped, or it is cut short, emptied or missing THEN nothing is read', () => {
    for (const body of ['{"a":1}', 'café ✓ 🚀\nline two\n', '']) {
      const file = path.join(dir(), 'x.json');
      fs.writeFileSync(file, checkedCacheText(body));
      expect(readCheckedCache(file)).toBe(body);
      const bytes = fs.readFileSync(file);
      for (let i = 0; i < bytes.length; i++) {
        for (const bit of [0x01, 0x80]) {
          const damaged = Buffer.from(bytes);
          damaged[i] ^= bit;
          fs.writeFileSync(file, damaged);
          expect(readCheckedCache(file)).toBeUndefined();
        }
      }
      fs.writeFileSync(file, bytes.subarray(0, bytes.length - 1));
      expect(readCheckedCache(file)).toBeUndefined();
      fs.writeFileSync(file, '');
      expect(readCheckedCache(file)).toBeUndefined();
      fs.rmSync(file);
      expect(readCheckedCache(file)).toBeUndefined();
    }
  });
});
