import { App } from 'cdk8s';
import { BitwardenSecret, parseBitwardenRef } from '../../lib/constructs/bitwarden-secret';
import { Layer } from '../../lib/layer';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function render(data: Record<string, string>): Obj {
  const layer = new Layer(new App(), { name: 'demo', description: 'd', namespace: 'demo' });
  new BitwardenSecret(layer, 's', { name: 'creds', namespace: 'demo', data });
  return (layer.toJson() as Obj[])[0];
}

describe('BitwardenSecret', () => {
  test('GIVEN password references WHEN rendered THEN an ExternalSecret reads them from the login store by item name', () => {
    const es = render({ password: 'bitwarden:ldap-bind', user: 'bitwarden:ldap-bind#username' });
    expect(es).toMatchObject({ apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'creds', namespace: 'demo' } });
    expect(es.spec.secretStoreRef).toEqual({ kind: 'ClusterSecretStore', name: 'bitwarden-login' });
    expect(es.spec.target).toEqual({ name: 'creds' });
    expect(es.spec.data).toEqual([
      { secretKey: 'password', remoteRef: { key: 'ldap-bind', property: 'password' } },
      { secretKey: 'user', remoteRef: { key: 'ldap-bind', property: 'username' } },
    ]);
    expect(es.spec.refreshInterval).toBe('1h');
  });

  test('GIVEN references to two stores WHEN rendered THEN each key names its own store', () => {
    const es = render({ a: 'bitwarden:x', b: 'bitwarden:y#notes' });
    expect(es.spec.secretStoreRef).toBeUndefined();
    expect(es.spec.data.map((d: Obj) => d.sourceRef.storeRef.name)).toEqual(['bitwarden-login', 'bitwarden-notes']);
    expect(es.spec.data[1].remoteRef).toEqual({ key: 'y' });
  });

  test('GIVEN a literal value instead of a reference WHEN rendered THEN it is refused before anything is written', () => {
    expect(() => render({ password: 'hunter2' })).toThrow('"hunter2" is not a Bitwarden reference; use "bitwarden:<item name>[#username|#password|#notes]"');
    expect(() => render({})).toThrow('needs at least one key');
  });

  test('GIVEN template inputs WHEN rendered THEN they are fetched for the templates only: no key of the Secret, and no template without plainData', () => {
    const layer = new Layer(new App(), { name: 'demo', description: 'd', namespace: 'demo' });
    new BitwardenSecret(layer, 's', {
      name: 'creds', namespace: 'demo', data: {},
      plainData: { URL: 'redis://{{ index . "in-password" | urlquery }}@cache:6379' }, templateInputs: { 'in-password': 'bitwarden:cache' },
    });
    const es = (layer.toJson() as Obj[])[0];
    expect(es.spec.data).toEqual([{ secretKey: 'in-password', remoteRef: { key: 'cache', property: 'password' } }]);
    expect(es.spec.target.template).toEqual({ engineVersion: 'v2', data: { URL: 'redis://{{ index . "in-password" | urlquery }}@cache:6379' } });
    const bare = new Layer(new App(), { name: 'demo', description: 'd', namespace: 'demo' });
    expect(() => new BitwardenSecret(bare, 's', { name: 'creds', namespace: 'demo', data: {}, templateInputs: { x: 'bitwarden:cache' } })).toThrow('templateInputs are read by plainData templates, and there is none');
  });

  test('GIVEN a Secret type and a template WHEN rendered THEN the created Secret has that type and the template fills its key', () => {
    const layer = new Layer(new App(), { name: 'demo', description: 'd', namespace: 'demo' });
    new BitwardenSecret(layer, 's', {
      name: 'pull', namespace: 'demo', secretType: 'kubernetes.io/dockerconfigjson',
      data: { username: 'bitwarden:robot#username', password: 'bitwarden:robot#password' },
      plainData: { '.dockerconfigjson': '{"auths":{"r.example.com":{"auth":"{{ printf "%s:%s" .username .password | b64enc }}"}}}' },
    });
    const es = (layer.toJson() as Obj[])[0];
    expect(es.spec.target).toEqual({
      name: 'pull',
      template: {
        type: 'kubernetes.io/dockerconfigjson',
        engineVersion: 'v2',
        data: {
          '.dockerconfigjson': '{"auths":{"r.example.com":{"auth":"{{ printf "%s:%s" .username .password | b64enc }}"}}}',
          password: '{{ .password }}',
          username: '{{ .username }}',
        },
      },
    });
  });

  test('GIVEN references WHEN parsed THEN the part defaults to the password', () => {
    expect(parseBitwardenRef('bitwarden:k3s-token')).toEqual({ item: 'k3s-token', part: 'password' });
    expect(parseBitwardenRef('bitwarden:svc/rancher#notes')).toEqual({ item: 'svc/rancher', part: 'notes' });
    expect(() => parseBitwardenRef('bitwarden:x#totp')).toThrow();
  });
});
