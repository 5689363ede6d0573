import * as fs from 'fs';
import * as path from 'path';
import * as fc from 'fast-check';
import { NOT_PORTABLE } from '../../lib/k8s/tree';
import { manifestBaseName } from '../../lib/render/manifest-file';
import { REPO } from '../helpers';

describe('manifestBaseName', () => {
  test('GIVEN an object name with characters a Windows file name cannot hold WHEN named as a file THEN each is _ (the kind lower-case)', () => {
    expect(manifestBaseName('ClusterRole', 'system:metrics-server')).toBe('clusterrole-system_metrics-server');
    expect(manifestBaseName('ClusterRoleBinding', 'a<b>c"d\\e|f?g*h')).toBe('clusterrolebinding-a_b_c_d_e_f_g_h');
    expect(manifestBaseName('Service', 'web', 'prod')).toBe('service-prod-web');
  });

  test('GIVEN any object name WHEN named as a file THEN verify\'s check (NOT_PORTABLE, lib/k8s/tree.ts: the one pattern, it was written twice) finds no character in it, and it finds every one of them', () => {
    for (const c of '<>:"\\|?*') expect(NOT_PORTABLE.test(`a${c}b`)).toBe(true);
    const text = fc.string({ unit: fc.constantFrom(...'<>:"\\|?*a-.') });
    fc.assert(fc.property(text, text, fc.option(text, { nil: undefined }), (kind, name, namespace) => !NOT_PORTABLE.test(manifestBaseName(kind, name, namespace))));
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
    expect(names.filter((n) => NOT_PORTABLE.test(n))).toEqual([]);
  });
});
