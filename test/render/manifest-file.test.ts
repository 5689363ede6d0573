import * as fs from 'fs';
import * as path from 'path';
import { manifestBaseName } from '../../lib/render/manifest-file';
import { REPO } from '../helpers';

describe('manifestBaseName', () => {
  test('GIVEN an object name with characters a Windows file name cannot hold WHEN named as a file THEN each is _ (the kind lower-case)', () => {
    expect(manifestBaseName('ClusterRole', 'system:metrics-server')).toBe('clusterrole-system_metrics-server');
    expect(manifestBaseName('ClusterRoleBinding', 'a<b>c"d\\e|f?g*h')).toBe('clusterrolebinding-a_b_c_d_e_f_g_h');
    expect(manifestBaseName('Service', 'web', 'prod')).toBe('service-prod-web');
  });

  test('GIVEN the committed render THEN no file name under dist/ or argocd/ holds such a character', () => {
    const names: string[] = [];
    const walk = (dir: string): void => {
      for (const e of fs.readdirSync(path.join(REPO, dir), { withFileTypes: true })) {
        if (e.isDirectory()) walk(`${dir}/${e.name}`);
        else names.push(`${dir}/${e.name}`);
      }
    };
    walk('dist');
    walk('argocd');
    expect(names.length).toBeGreaterThan(100);
    expect(names.filter((n) => /[<>:"\\|?*]/.test(n))).toEqual([]);
  });
});
