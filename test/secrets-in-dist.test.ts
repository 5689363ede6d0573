import { renderSite } from '../lib/synth';
import { shippedSite, siteWith } from './helpers';

/**
 * No secret value in anything rendered: manifests, host files, docs. The site only ever
 * holds Bitwarden references; this checks nothing turns a reference into a value.
 */
describe('no secret value in the rendered output', () => {
  test('GIVEN every rendered file WHEN searched THEN no Secret carries data, and no password/token field holds a literal', () => {
    const files = renderSite(shippedSite());
    // Secrets External Secrets creates from Bitwarden: values may name them (existingSecret: harbor-secrets).
    const fromBitwarden = new Set(files.filter((f) => /^kind: ExternalSecret$/m.test(f.content)).map((f) => /^ {4}name: (\S+)$/m.exec(f.content.split(/^ {2}target:$/m)[1])![1]));
    expect(fromBitwarden.size).toBeGreaterThanOrEqual(5);
    const offenders: string[] = [];
    // The committed chart renders repeat what dist/ holds; CRDs are schemas (their descriptions mention tokens and passwords).
    for (const f of files.filter((x) => !x.path.startsWith('render-cache/') && !/^kind: CustomResourceDefinition$/m.test(x.content))) {
      if (/^kind: Secret$/m.test(f.content) && /^(data|stringData):/m.test(f.content)) offenders.push(`${f.path}: Secret with data`);
      for (const line of f.content.split('\n')) {
        const m = /^\s*-?\s*"?([A-Za-z_]*(password|passwd|token|secret))"?\s*[:=]\s*(.+)$/i.exec(line);
        if (!m) continue;
        const value = m[3].trim().replace(/,$/, '').replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1');
        // Shell in install scripts and runbooks: reading the value at run time is the point.
        if ((f.path.endsWith('.sh') || f.path.endsWith('.md')) && /^"?\$\(/.test(value)) continue;
        // Only exact reference forms pass: Bitwarden references, Argo CD `$secret:key`, JCasC and
        // realm-import `${name}`, Grafana `$__env{NAME}`, External Secrets `{{ .key }}`, file paths, Rancher's
        // `cattle-global-data:<secret>`, names of Secrets made from Bitwarden, YAML block markers, booleans and numbers.
        const allowed = fromBitwarden.has(value)
          || /^bitwarden:[A-Za-z0-9][A-Za-z0-9._/-]*(#(username|password|notes))?$/.test(value)
          || /^\$[A-Za-z0-9._-]+(:[A-Za-z0-9._-]+)?$/.test(value)
          || /^\$\{[A-Za-z0-9._-]+\}$/.test(value)
          // keycloak-config-cli's substitution in the realm file of the realm sync Job (from a Secret through env).
          || /^\$\(env:[A-Za-z0-9_]+\)$/.test(value)
          // Grafana's expansion in grafana.ini and ldap.toml: an environment variable or a mounted file.
          || /^\$__(env|file)\{[A-Za-z0-9._/-]+\}$/.test(value)
          || /^\{\{ ?\.[A-Za-z0-9_]+ ?\}\}$/.test(value)
          || /^\/[A-Za-z0-9._/-]+$/.test(value)
          || /^cattle-global-data:[a-z0-9.-]+$/.test(value)
          || value === '|' || value === '>' || value === '|-' || /^(true|false|\d+)$/.test(value)
          // An empty value holds no secret (Harbor's chart always renders its redis password key, empty when it comes from a Secret).
          || value === '' || value === '""';
        if (!allowed) offenders.push(`${f.path}: ${line.trim()}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  test('GIVEN an s3 backup target with credentials WHEN rendered THEN they arrive as an ExternalSecret only', () => {
    const site = siteWith((s) => {
      s.storage = { backupTarget: 's3://longhorn@us-east-1/', backupCredentials: 'bitwarden:longhorn-s3' };
    });
    const files = renderSite(site);
    expect(files.some((f) => f.content.includes('longhorn-s3'))).toBe(true);
    const holders = files.filter((f) => f.content.includes('longhorn-s3')).map((f) => f.path);
    expect(holders).toEqual(['dist/longhorn/externalsecret-longhorn-backup-credentials.yaml']);
  });
});
