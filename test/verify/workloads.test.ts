import * as fs from 'fs';
import * as path from 'path';
import { verifyTree } from '../../lib/verify/verify';
import { tempRootWithOutputs } from '../helpers';

describe('verify: app folders (dist/workloads/<app>)', () => {
  let root: string;
  beforeEach(() => {
    root = tempRootWithOutputs();
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));
  const app = () => path.join(root, 'dist', 'paas', 'application-app-whiteboard.yaml');

  test('GIVEN the committed render WHEN verified THEN an app folder synced by the paas layer sees its namespaces and APIs', () => {
    expect(verifyTree(root)).toEqual([]);
  });

  test('GIVEN an app folder without its Application WHEN verified THEN the folder is reported, and its objects lose the paas layer\'s namespaces', () => {
    fs.rmSync(app());
    const findings = verifyTree(root);
    expect(findings).toContainEqual({ file: 'dist/workloads/whiteboard', message: 'no Application of a layer syncs this app folder; the paas layer renders one per app (apps project)' });
    expect(findings).toContainEqual(expect.objectContaining({
      file: 'dist/workloads/whiteboard/deployment-whiteboard.yaml',
      message: 'namespace "prod" is declared by paas, which is not synced first; add the dependency or declare it here',
    }));
  });

  test('GIVEN two Applications for one app folder WHEN verified THEN the second is reported', () => {
    fs.writeFileSync(path.join(root, 'dist', 'paas', 'application-app-whiteboard-copy.yaml'), fs.readFileSync(app(), 'utf8').replace('name: app-whiteboard', 'name: app-whiteboard-copy'));
    expect(verifyTree(root).map((f) => f.message)).toContain('a second Application for dist/workloads/whiteboard (also dist/paas/application-app-whiteboard-copy.yaml)');
  });
});
