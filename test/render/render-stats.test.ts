import * as fs from 'fs';
import * as path from 'path';
import { sha256 } from '../../lib/cache-file';
import { PreviousRender, renderedStats, shareUnchanged } from '../../lib/render/previous';
import { keyedStat, RENDER_STATS_FILE, RenderStats, SETTLED_MS, statKey } from '../../lib/render/render-stats';
import { COMPARED_OUTPUTS } from '../../lib/render/previous';
import { startListing } from '../../lib/render/listing-worker';
import { entriesText, readEntriesText, writeTree } from '../helpers';

const CODE = 'the code';
const FILE = 'dist/x/configmap-a.yaml';
const OTHER = 'argocd/app.yaml';
const TEXT = 'kind: ConfigMap\nmetadata:\n  name: a\n';

/** Waits until files written now have settled (`SETTLED_MS`). */
const settle = () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, SETTLED_MS + 20);

describe('the stats of the render on disk, trusted instead of reading unchanged files', () => {
  let root: string;
  let statsFile: string;
  const stats = () => new RenderStats(statsFile, CODE);
  /** Lists the render and saves its stats, as synth does after a swap that wrote nothing. */
  const recorded = () => {
    const before = new PreviousRender(root, stats());
    const now = renderedStats(root, before, before.rendered(), []);
    stats().save(now.files, now.dirs);
  };
  beforeEach(() => {
    root = writeTree({ [FILE]: TEXT, [OTHER]: 'kind: Application\n' });
    statsFile = path.join(root, RENDER_STATS_FILE);
    settle();
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  test('GIVEN recorded stats WHEN the files did not change THEN they are trusted, not read until asked for, with the recorded digest', () => {
    recorded();
    const before = new PreviousRender(root, stats());
    expect([...before.paths()].sort()).toEqual([OTHER, FILE]);
    expect(before.trustedDigest(FILE)).toBe(sha256(TEXT));
    expect(before.isRead(FILE)).toBe(false);
    expect(before.text(FILE)).toBe(TEXT);
    expect(before.isRead(FILE)).toBe(true);
  });

  test('GIVEN recorded stats WHEN a file is edited keeping its size THEN it is not trusted and is read', () => {
    recorded();
    fs.writeFileSync(path.join(root, FILE), TEXT.replace('name: a', 'name: b'));
    settle();
    const before = new PreviousRender(root, stats());
    expect(before.trustedDigest(FILE)).toBeUndefined();
    expect(before.isRead(FILE)).toBe(true);
    expect(before.text(FILE)).toMatch(/name: b/);
  });

  test('GIVEN recorded stats WHEN a file is touched THEN it is not trusted', () => {
    recorded();
    const past = new Date(Date.now() - 3_600_000);
    fs.utimesSync(path.join(root, FILE), past, past);
    expect(new PreviousRender(root, stats()).trustedDigest(FILE)).toBeUndefined();
  });

  test('GIVEN recorded stats WHEN a file is made executable THEN it is not trusted, and listed as executable', () => {
    recorded();
    fs.chmodSync(path.join(root, FILE), 0o755);
    settle();
    const before = new PreviousRender(root, stats());
    expect(before.trustedDigest(FILE)).toBeUndefined();
    expect(before.executable(FILE)).toBe(true);
  });

  test('GIVEN recorded stats WHEN a file is replaced by another with the same bytes THEN it is not trusted (another inode)', () => {
    recorded();
    fs.rmSync(path.join(root, FILE));
    fs.writeFileSync(path.join(root, `${FILE}.new`), TEXT);
    fs.renameSync(path.join(root, `${FILE}.new`), path.join(root, FILE));
    settle();
    expect(new PreviousRender(root, stats()).trustedDigest(FILE)).toBeUndefined();
  });

  test('GIVEN recorded stats WHEN a file was changed just before it was listed THEN it is not trusted (it could change again within the same tick)', () => {
    recorded();
    const file = path.join(root, FILE);
    const [{ size }, stored] = [fs.statSync(file), fs.readFileSync(statsFile, 'utf8')];
    fs.writeFileSync(file, TEXT.replace('name: a', 'name: c'));
    const now = fs.statSync(file);
    expect(now.size).toBe(size);
    // The stats of the file as it is now, as if recorded: it changed a moment ago.
    const { header, entries } = readEntriesText(stored);
    fs.writeFileSync(statsFile, entriesText(header, entries.map(([k, v]) => (k === FILE ? [k, `${now.size} ${now.mtimeMs} ${now.ctimeMs} ${now.ino} ${now.mode} ${sha256(TEXT)}`] : [k, v]))));
    expect(new PreviousRender(root, stats()).trustedDigest(FILE)).toBeUndefined();
  });

  test('GIVEN a stats file that is not JSON, of another format, written by other code, changed inside, or with an entry whose digest is not one WHEN read THEN it is ignored and the files are read', () => {
    recorded();
    const written = fs.readFileSync(statsFile, 'utf8');
    const { header, entries } = readEntriesText(written);
    const cases: [string, string | undefined][] = [
      ['{"format": 1, "co', 'not JSON'],
      [entriesText({ ...header, format: 0 }, entries), 'another format'],
      [entriesText({ ...header, code: 'an older platform' }, entries), 'written by other code'],
      [written.replace(sha256(TEXT), sha256('another text')), 'corrupted'],
      [entriesText(header, entries.map(([k, v]) => [k, v.replace(/[0-9a-f]{64}$/, 'not a digest')])), undefined],
    ];
    for (const [text, ignored] of cases) {
      fs.writeFileSync(statsFile, text);
      expect(stats().ignored).toBe(ignored);
      const before = new PreviousRender(root, stats());
      expect(before.trustedDigest(FILE)).toBeUndefined();
      expect(before.isRead(FILE)).toBe(true);
    }
  });

  test('GIVEN a trusted file that was not read WHEN the new render has the same bytes THEN it shares the new text without reading; with other bytes THEN the file is read', () => {
    recorded();
    const before = new PreviousRender(root, stats());
    const same = `${TEXT.slice(0, 5)}${TEXT.slice(5)}`;
    const previous = shareUnchanged(before, [{ path: FILE, content: same }, { path: OTHER, content: 'kind: Other\n' }]);
    expect(before.isRead(FILE)).toBe(false);
    expect(previous.find((f) => f.path === FILE)?.content).toBe(same);
    expect(previous.find((f) => f.path === OTHER)?.content).toBe('kind: Application\n');
  });

  test('GIVEN a trusted file WHEN it changes size after it was listed and before it is read THEN its text is what is on disk and it is no longer trusted', () => {
    recorded();
    const before = new PreviousRender(root, stats());
    fs.writeFileSync(path.join(root, FILE), `${TEXT}# more\n`);
    expect(before.text(FILE)).toBe(`${TEXT}# more\n`);
    expect(before.trustedDigest(FILE)).toBeUndefined();
    expect(before.digest(FILE)).toBe(sha256(`${TEXT}# more\n`));
  });

  test('GIVEN a swap WHEN its stats are recorded THEN a file it did not write keeps the stat it was listed with, a file it wrote is stat\'ed again, and one that had not settled is left out', () => {
    const before = new PreviousRender(root, stats());
    fs.writeFileSync(path.join(root, OTHER), 'kind: Other\n');
    const { files: out, dirs } = renderedStats(root, before, [{ path: FILE, content: TEXT }, { path: OTHER, content: 'kind: Other\n' }, { path: 'docs/x.md', content: 'x' }], [OTHER]);
    expect([...out.keys()]).toEqual([FILE]);
    expect(out.get(FILE)).toEqual([keyedStat(before.statOf(FILE)!.stat), sha256(TEXT)]);
    // argocd/ holds a file left out, and something was moved into it; dist/x holds only FILE.
    expect([...dirs.keys()].sort()).toEqual(['dist', 'dist/x']);
    expect(dirs.get('dist/x')).toEqual(keyedStat(before.dirStatOf('dist/x')!.stat));
    settle();
    const later = renderedStats(root, before, [{ path: OTHER, content: 'kind: Other\n' }], ['argocd']).files;
    expect(later.get(OTHER)?.[0].stat.ino).toBe(fs.statSync(path.join(root, OTHER)).ino);
    expect(later.get(OTHER)?.[1]).toBe(sha256('kind: Other\n'));
  });

  test('GIVEN recorded stats WHEN saved again with the same stats THEN the file is left as it is; with one file\'s stat and digest changed THEN only that entry is added, and read back', () => {
    recorded();
    const bytes = fs.readFileSync(statsFile);
    recorded();
    expect(fs.readFileSync(statsFile).equals(bytes)).toBe(true);
    const before = new PreviousRender(root, stats());
    const now = renderedStats(root, before, before.rendered(), []);
    const [{ stat }] = now.files.get(FILE)!;
    const changed = { ...stat, mtimeMs: stat.mtimeMs + 1 };
    now.files.set(FILE, [keyedStat(changed), sha256('other')]);
    stats().save(now.files, now.dirs);
    const text = fs.readFileSync(statsFile, 'utf8');
    expect(text.startsWith(bytes.toString('utf8'))).toBe(true);
    expect(text.slice(bytes.length)).toBe(`#${sha256(`${FILE}\t${statKey(changed)} ${sha256('other')}\n`)} 1\n${FILE}\t${statKey(changed)} ${sha256('other')}\n`);
    expect(stats().digest(FILE, changed)).toBe(sha256('other'));
    expect(stats().digest(OTHER, now.files.get(OTHER)![0].stat)).toBe(now.files.get(OTHER)![1]);
  });

  test('GIVEN a render saved with its stats and its manifests\' document digests WHEN read back THEN one entry of a file gives both (trusted by its stat, its text standing for the document recorded); a manifest whose text is not the sha256 recorded with its stat, or that has no stat recorded, is recorded without one; saved again the same, the file is left as it is', () => {
    const before = new PreviousRender(root, stats());
    const now = renderedStats(root, before, before.rendered(), []);
    const [doc, otherDoc] = [sha256('the document'), sha256('another document')];
    const documents = new Map<string, readonly [string, string]>([[FILE, [doc, sha256(TEXT)]], [OTHER, [otherDoc, sha256('not what is on disk')]], ['dist/y/unlisted.yaml', [doc, sha256('y')]]]);
    stats().save(now.files, now.dirs, documents);
    const read = stats();
    expect(read.ignored).toBeUndefined();
    expect([read.textDigest(FILE, doc), read.textDigest(FILE, otherDoc), read.digest(FILE, before.statOf(FILE)!.stat)]).toEqual([sha256(TEXT), undefined, sha256(TEXT)]);
    expect([read.textDigest(OTHER, otherDoc), read.digest(OTHER, before.statOf(OTHER)!.stat)]).toEqual([sha256('not what is on disk'), undefined]);
    expect(read.textDigest('dist/y/unlisted.yaml', doc)).toBe(sha256('y'));
    const { entries } = readEntriesText(fs.readFileSync(statsFile, 'utf8'));
    expect(new Map(entries).get(OTHER)).toBe(`- ${sha256('not what is on disk')} ${otherDoc}`);
    const again = new PreviousRender(root, stats());
    expect([again.trustedDigest(FILE), again.isRead(FILE), again.trustedDigest(OTHER), again.isRead(OTHER)]).toEqual([sha256(TEXT), false, undefined, true]);
    expect(read.children('dist/x', again.dirStatOf('dist/x')!.stat)).toEqual([['configmap-a.yaml', false]]);
    const bytes = fs.readFileSync(statsFile);
    stats().save(now.files, now.dirs, documents);
    expect(fs.readFileSync(statsFile).equals(bytes)).toBe(true);
  });

  test('GIVEN recorded stats WHEN the render is listed by the listing worker THEN the stats it gives record the same text as those of a listing on this thread', () => {
    recorded();
    const here = new PreviousRender(root, stats());
    const worker = new PreviousRender(root, stats(), COMPARED_OUTPUTS, startListing(root, COMPARED_OUTPUTS));
    const text = (before: PreviousRender) => {
      const now = renderedStats(root, before, before.rendered(), []);
      // The keys given with the stats (the worker's, formatted on the other core) are the stats'.
      for (const st of [...[...now.files.values()].map(([k]) => k), ...now.dirs.values()]) expect(st.key).toBe(statKey(st.stat));
      return [...[...now.files].map(([p, [st, d]]) => `${p} ${st.key} ${d}`), ...[...now.dirs].map(([p, st]) => `${p}/ ${st.key}`)].sort();
    };
    expect(text(worker)).toEqual(text(here));
    expect(text(worker).length).toBe(5);
  });

  test('GIVEN a stat object that carries a `key` property of its own WHEN its statKey is made THEN the key is its numbers, not the property (only a KeyedStat\'s typed key is taken as given)', () => {
    const stat = { size: 1, mtimeMs: 2.5, ctimeMs: 3.5, ino: 4, mode: 0o100644 };
    expect(statKey({ ...stat, key: '9 9 9 9 9' } as typeof stat)).toBe(`1 2.5 3.5 4 ${0o100644}`);
  });

  test('GIVEN recorded stats WHEN nothing changed THEN each folder\'s names are known from them without reading it', () => {
    recorded();
    const before = new PreviousRender(root, stats());
    expect(stats().children('dist/x', before.dirStatOf('dist/x')!.stat)).toEqual([['configmap-a.yaml', false]]);
    expect(stats().children('dist', before.dirStatOf('dist')!.stat)).toEqual([['x', true]]);
  });

  test('GIVEN recorded stats WHEN a file is added by hand to a folder THEN the folder is read and the file listed', () => {
    recorded();
    fs.writeFileSync(path.join(root, 'dist/x/added.yaml'), 'kind: ConfigMap\n');
    fs.mkdirSync(path.join(root, 'dist/new'));
    fs.writeFileSync(path.join(root, 'dist/new/added.yaml'), 'kind: Secret\n');
    settle();
    const before = new PreviousRender(root, stats());
    expect([...before.paths()].sort()).toEqual([OTHER, 'dist/new/added.yaml', 'dist/x/added.yaml', FILE]);
    expect(before.text('dist/x/added.yaml')).toBe('kind: ConfigMap\n');
  });

  test('GIVEN recorded stats WHEN a file is removed, or a folder replaced by a file THEN they are not listed, and the file is', () => {
    recorded();
    fs.rmSync(path.join(root, OTHER));
    fs.rmSync(path.join(root, 'dist/x'), { recursive: true });
    fs.writeFileSync(path.join(root, 'dist/x'), 'a file\n');
    settle();
    expect([...new PreviousRender(root, stats()).paths()]).toEqual(['dist/x']);
  });

  test('GIVEN a stats file with a block that does not match its hash WHEN read THEN no folder\'s names are taken from it', () => {
    recorded();
    const before = new PreviousRender(root, stats());
    fs.writeFileSync(statsFile, fs.readFileSync(statsFile, 'utf8').replace(sha256(TEXT), sha256('another text')));
    expect(stats().children('dist', before.dirStatOf('dist')!.stat)).toBeUndefined();
  });

  test('GIVEN a trusted file that is not all ASCII WHEN its text is read THEN it is the text readFileSync gives', () => {
    const text = 'kind: ConfigMap\ndata:\n  greeting: grüße, 日本\n';
    fs.writeFileSync(path.join(root, FILE), text);
    settle();
    recorded();
    const before = new PreviousRender(root, stats());
    expect(before.isRead(FILE)).toBe(false);
    expect(before.text(FILE)).toBe(text);
    expect(before.trustedDigest(FILE)).toBe(sha256(text));
  });

  test('GIVEN a folder holding a link and a file added by hand WHEN listed THEN its names include them (synth\'s swap removes what is not rendered), and only plain files are files of the render', () => {
    recorded();
    fs.symlinkSync('configmap-a.yaml', path.join(root, 'dist/x/link.yaml'));
    settle();
    const before = new PreviousRender(root, stats());
    expect([...before.entries('dist/x')!].sort()).toEqual([['configmap-a.yaml', false], ['link.yaml', false]]);
    expect(before.entries('dist')).toEqual([['x', true]]);
    expect(before.has('dist/x/link.yaml')).toBe(false);
  });

  describe('textDigest reads an entry by its fields, not by where its last two spaces are', () => {
    const [doc, text] = [sha256('the document'), sha256(TEXT)];
    /** A stats file holding only `entries`, with the header a save of this code writes (so it is read, not ignored). */
    const forged = (entries: readonly (readonly [string, string])[]) => {
      stats().save(new Map(), new Map(), new Map([[FILE, [doc, text]]]));
      fs.writeFileSync(statsFile, entriesText(readEntriesText(fs.readFileSync(statsFile, 'utf8')).header, entries));
      const read = stats();
      expect(read.ignored).toBeUndefined();
      return read;
    };

    test('GIVEN a well-formed entry without a stat and one with a stat WHEN asked for their document THEN each gives its text digest (the fixture the adversarial ones below are made from)', () => {
      const read = forged([[FILE, `- ${text} ${doc}`], [OTHER, `12 1700000000000.25 1700000000000.5 4096 33188 ${text} ${doc}`]]);
      expect([read.textDigest(FILE, doc), read.textDigest(OTHER, doc)]).toEqual([text, text]);
    });

    test.each<[string, string, string, string?]>([
      // EntriesFile splits a line at its first tab: a path holding a tab leaves its tail in the value, and its head as the key.
      ['a path holding a tab (its head read as the key, its tail ahead of the stat)', 'dist/x/a', `b.yaml\t- ${text} ${doc}`],
      ['a stat that is neither `-` nor five numbers', FILE, `${'x'.repeat(60)} ${text} ${doc}`],
      ['a text digest that is not 64 hex digits', FILE, `- ${'Z'.repeat(64)} ${doc}`],
      ['a `<stat> <sha256>` entry (no document digest) whose sha256 is the document asked for and whose stat ends in 64 digits', FILE, `12 1700000000000.25 1700000000000.5 4096 ${'1'.repeat(64)} ${doc}`],
      ['a document digest asked for that is only the end of the recorded one', FILE, `- ${text} ${doc}`, doc.slice(-8)],
    ])('GIVEN %s WHEN its text digest is asked for THEN there is none (the object is serialised again)', (_case, key, value, asked = doc) => {
      expect(forged([[key, value]]).textDigest(key, asked)).toBeUndefined();
    });
  });
});
