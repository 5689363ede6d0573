import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ChartRenderer, type ChartRender } from '../../lib/render/chart-renderer';

// A full disk, as root cannot make one: fs is replaced by a copy whose writeFileSync a test may make fail.
jest.mock('fs', () => {
  const real = jest.requireActual<typeof import('fs')>('fs');
  return { ...real, writeFileSync: jest.fn(real.writeFileSync) };
});
const realFs = jest.requireActual<typeof import('fs')>('fs');
afterEach(() => jest.mocked(fs.writeFileSync).mockImplementation(realFs.writeFileSync));

describe('the chart renderer\'s local caches on a full disk', () => {
  test('GIVEN a disk that fills up while the parsed objects of a render are cached WHEN they are read THEN they come back whole, and no partial cache file is left (the next process parses again)', () => {
    const root = realFs.mkdtempSync(path.join(os.tmpdir(), 'chart-objects-disk-'));
    const rendersDir = path.join(root, 'node_modules', '.cache', 'tsys-platform', 'renders');
    jest.mocked(fs.writeFileSync).mockImplementation((file, data, options) => {
      realFs.writeFileSync(file, String(data).slice(0, 10), options);
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' });
    });
    const render: ChartRender = { key: 'full-disk', text: '# header\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: full-disk\ndata:\n  a: ~\n', source: { path: 'vendor/charts/demo' }, origin: 'helm' };
    const objects = new ChartRenderer({ root, fresh: false }).objectsOf(render, 'demo');
    expect(objects.map((o) => o.object)).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'full-disk' }, data: {} }]);
    expect(realFs.existsSync(rendersDir) ? realFs.readdirSync(rendersDir) : []).toEqual([]);
  });
});
