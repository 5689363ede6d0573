import { diffFields, isEqual } from '../../lib/diff/field-diff';
import { compactPair, compactValue } from '../../lib/diff/format-value';
import { isPinnedImage, parseImage } from '../../lib/diff/images';

describe('field differ', () => {
  test('GIVEN two equal maps in another key order WHEN compared THEN there is no change', () => {
    expect(diffFields({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toEqual([]);
    expect(isEqual({ a: [{ b: 1 }] }, { a: [{ b: 1 }] })).toBe(true);
    expect(isEqual({ a: [{ b: 1 }] }, { a: [{ b: 2 }] })).toBe(false);
  });

  test('GIVEN nested maps WHEN a scalar changes, a key is added and one removed THEN each is one change at its dotted path, keys sorted', () => {
    expect(diffFields({ spec: { replicas: 3, old: 'x', big: { a: 1, b: 2, c: 3, d: 4, e: 5 } } }, { spec: { replicas: 1, fresh: true } })).toEqual([
      { path: 'spec.big', op: 'removed', before: { a: 1, b: 2, c: 3, d: 4, e: 5 } },
      { path: 'spec.fresh', op: 'added', after: true },
      { path: 'spec.old', op: 'removed', before: 'x' },
      { path: 'spec.replicas', op: 'changed', before: 3, after: 1 },
    ]);
  });

  test('GIVEN a small map added as a whole WHEN compared THEN it is listed leaf by leaf, keys with dots or slashes quoted', () => {
    expect(diffFields({ metadata: {} }, { metadata: { annotations: { 'argocd.argoproj.io/sync-wave': '2' } } })).toEqual([
      { path: 'metadata.annotations["argocd.argoproj.io/sync-wave"]', op: 'added', after: '2' },
    ]);
  });

  test('GIVEN lists of containers (maps with unique names) WHEN one changes, one is added and the order moves THEN they are matched by name', () => {
    const before = { containers: [{ name: 'app', image: 'a:1.0' }, { name: 'sidecar', image: 's:1.0' }, { name: 'old', image: 'o:1.0' }] };
    const after = { containers: [{ name: 'sidecar', image: 's:1.0' }, { name: 'app', image: 'a:2.0' }, { name: 'new', image: 'n:1.0' }] };
    expect(diffFields(before, after)).toEqual([
      { path: 'containers', op: 'reordered', before: ['app', 'sidecar'], after: ['sidecar', 'app'] },
      { path: 'containers[name=app].image', op: 'changed', before: 'a:1.0', after: 'a:2.0' },
      { path: 'containers[name=new]', op: 'added', after: { name: 'new', image: 'n:1.0' } },
      { path: 'containers[name=old]', op: 'removed', before: { name: 'old', image: 'o:1.0' } },
    ]);
  });

  test('GIVEN lists of maps without unique names WHEN compared THEN items are matched by index, extra ones added or removed', () => {
    const before = { rules: [{ host: 'a', port: 1 }, { host: 'b' }] };
    const after = { rules: [{ host: 'a', port: 2 }, { host: 'b' }, { host: 'c' }] };
    expect(diffFields(before, after)).toEqual([
      { path: 'rules[0].port', op: 'changed', before: 1, after: 2 },
      { path: 'rules[2]', op: 'added', after: { host: 'c' } },
    ]);
    const dup = { mounts: [{ name: 'v', subPath: 'a' }, { name: 'v', subPath: 'b' }] };
    expect(diffFields(dup, { mounts: [{ name: 'v', subPath: 'a' }, { name: 'v', subPath: 'c' }] })).toEqual([
      { path: 'mounts[1].subPath', op: 'changed', before: 'b', after: 'c' },
    ]);
  });

  test('GIVEN lists of scalars or a type change WHEN compared THEN the whole value is one change', () => {
    expect(diffFields({ accessModes: ['ReadWriteOnce'] }, { accessModes: ['ReadWriteMany'] })).toEqual([
      { path: 'accessModes', op: 'changed', before: ['ReadWriteOnce'], after: ['ReadWriteMany'] },
    ]);
    expect(diffFields({ port: 80 }, { port: { number: 80 } })).toEqual([{ path: 'port', op: 'changed', before: 80, after: { number: 80 } }]);
    expect(diffFields({ v: '3' }, { v: 3 })).toEqual([{ path: 'v', op: 'changed', before: '3', after: 3 }]);
  });

  test('GIVEN values of every shape WHEN shown compactly THEN strings are quoted, long text cut with …, multi-line text counted', () => {
    expect(compactValue(3)).toBe('3');
    expect(compactValue('3')).toBe('"3"');
    expect(compactValue(undefined)).toBe('unset');
    expect(compactValue({ cpu: '50m' })).toBe('{"cpu":"50m"}');
    expect(compactValue('x'.repeat(100), 20)).toBe(`"${'x'.repeat(18)}…`);
    expect(compactValue('hs = {}\nhs.status = 1\nreturn hs\n')).toBe('"hs = {}" (3 lines)');
  });

  test('GIVEN two long values that differ only past the cut WHEN shown as a pair THEN each skips the common start and shows where they differ', () => {
    const apis = (...extra: string[]) => ['metallb.io/BFDProfile', 'metallb.io/BGPAdvertisement', 'metallb.io/BGPPeer', ...extra].join(',');
    expect(compactPair(apis(), apis('metallb.io/ConfigurationState'), 40)).toEqual(['…/BGPPeer"', '…/BGPPeer,metallb.io/ConfigurationState"']);
    expect(compactPair(['a'.repeat(50), 'b'], ['a'.repeat(50), 'c'], 30)).toEqual(['…aaaaa","b"]', '…aaaaa","c"]']);
    // Values that already read differently are left as compactValue shows them.
    expect(compactPair('a'.repeat(100), 'b'.repeat(100), 10)).toEqual([compactValue('a'.repeat(100), 10), compactValue('b'.repeat(100), 10)]);
    expect(compactPair(undefined, 'x')).toEqual(['unset', '"x"']);
  });
});

describe('image references', () => {
  test('GIVEN references with registry ports, tags and digests WHEN parsed THEN each part is found', () => {
    expect(parseImage('registry:5000/team/app')).toEqual({ repository: 'registry:5000/team/app' });
    expect(parseImage('registry:5000/team/app:1.2')).toEqual({ repository: 'registry:5000/team/app', tag: '1.2' });
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(parseImage(`nginx:latest@${digest}`)).toEqual({ repository: 'nginx', tag: 'latest', digest });
  });

  test('GIVEN the pinning rule WHEN applied THEN a digest or a dotted version pins, and no tag, latest, branch names and bare majors do not', () => {
    for (const pinned of ['nginx:1.27.3', 'app:v1.2.3', 'app:1.2', 'ghcr.io/charlesthomas/bitwarden-cli:2026.3.0', 'nginx:1.27-alpine', `nginx@sha256:${'0'.repeat(64)}`, `nginx:latest@sha256:${'f'.repeat(64)}`]) {
      expect([pinned, isPinnedImage(pinned)]).toEqual([pinned, true]);
    }
    for (const mutable of ['nginx', 'nginx:latest', 'app:main', 'app:stable', 'app:edge', 'app:dev', 'redis:7', 'registry:5000/app', 'app@sha256:short']) {
      expect([mutable, isPinnedImage(mutable)]).toEqual([mutable, false]);
    }
  });
});
