import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { backupReportMarkdown, backupReportRows } from '../../lib/backups/report';
import { renderSiteAnalysed } from '../../lib/synth';
import { REPO, shippedSite, tempRootWithOutputs } from '../helpers';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('docs/restore.md and npm run backup-report', () => {
  const { files: rendered, facts } = renderSiteAnalysed(shippedSite());
  const doc = rendered.find((f) => f.path === 'docs/restore.md')!.content;
  const objects = rendered.filter((f) => f.path.startsWith('dist/') && f.path.endsWith('.yaml') && !f.path.startsWith('dist/hosts/'))
    .map((f) => ({ file: f.path, obj: parse(f.content) as Obj }));

  test('GIVEN the rendered objects WHEN docs/restore.md is generated THEN it lists exactly the schedules and volumes read back from dist/', () => {
    expect(doc).toContain(backupReportMarkdown(objects, facts));
    const rows = backupReportRows(objects, facts);
    expect(rows.map((r) => r.volume)).toEqual(expect.arrayContaining(['jenkins/jenkins', 'harbor/harbor-registry', 'logging/storage-loki-*']));
    // Covered, or opted out with a reason the build declared (Argo CD's redis cache).
    for (const r of rows) expect(r.status === 'covered' || /^opted out: \S/.test(r.status)).toBe(true);
    expect(rows.filter((r) => r.status !== 'covered').map((r) => r.volume).every((v) => v.startsWith('argocd/'))).toBe(true);
  });

  test('GIVEN the site backups WHEN docs/restore.md is read THEN the drill restores the newest app backup into a scratch namespace step by step', () => {
    expect(doc).toContain('velero backup get --selector velero.io/schedule-name=apps-hourly');
    expect(doc).toContain('--include-namespaces prod --namespace-mappings prod:prod-restore-drill');
    expect(doc).toContain('kubectl delete namespace prod-restore-drill');
    expect(doc).toContain('`bitwarden:minio-velero`');
  });

  const report = (root: string) => spawnSync(path.join(REPO, 'node_modules', '.bin', 'tsx'), [path.join(REPO, 'scripts', 'backup-report.ts'), '--root', root], { encoding: 'utf8' });

  test('GIVEN the committed dist/ WHEN npm run backup-report runs THEN it lists each volume with its schedules and retention and exits 0', () => {
    const root = tempRootWithOutputs();
    try {
      const out = report(root);
      expect(out.status).toBe(0);
      expect(out.stdout).toContain('| `jenkins/jenkins` | PersistentVolumeClaim | longhorn | 50Gi | Longhorn longhorn-system/backup-daily (0 2 * * *, keeps 14)<br>Velero velero/platform-daily (0 3 * * *, ttl 720h) | covered |');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  test('GIVEN a volume no schedule covers WHEN npm run backup-report runs THEN it is marked NOT COVERED and the exit code is 1', () => {
    const root = tempRootWithOutputs();
    try {
      fs.writeFileSync(path.join(root, 'dist/jenkins/persistentvolumeclaim-scratch.yaml'),
        'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: scratch\n  namespace: jenkins\nspec:\n  storageClassName: nfs\n  resources:\n    requests:\n      storage: 1Gi\n');
      for (const f of ['dist/backups/schedule-platform-daily.yaml']) fs.rmSync(path.join(root, f));
      const out = report(root);
      expect(out.status).toBe(1);
      expect(out.stdout).toContain('| `jenkins/scratch` | PersistentVolumeClaim | nfs | 1Gi | - | NOT COVERED |');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  test('GIVEN a rendered volume claim that is not valid YAML WHEN npm run backup-report runs THEN it names the file and what to do instead of leaving the volume out, and exits 1', () => {
    const root = tempRootWithOutputs();
    try {
      fs.writeFileSync(path.join(root, 'dist/workloads/whiteboard/persistentvolumeclaim-whiteboard-boards.yaml'), 'spec: [\n');
      const out = report(root);
      expect(out.status).toBe(1);
      expect(out.stdout).toBe('');
      expect(out.stderr).toContain('backup-report: dist/workloads/whiteboard/persistentvolumeclaim-whiteboard-boards.yaml: YAML: ');
      expect(out.stderr).toContain('run npm run synth to render dist/ and argocd/ again (or restore them from git), then run this again');
      expect(out.stderr).not.toMatch(/\n\s+at /);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
