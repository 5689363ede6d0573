import { privateKeys, secretLiterals, secretValues } from '../../lib/verify/secret-literals';

const KEY = `-----BEGIN RSA PRIVATE KEY-----\n${'A'.repeat(64)}\n-----END RSA PRIVATE KEY-----`;

describe('secret scans of an object', () => {
  const obj = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'c', namespace: 'n' },
    data: {
      'config.yaml': 'db:\n  password: hunter2\n  url: postgres://u:pa55@db:5432/x\n',
      plain: 'nothing here',
    },
    list: [{ name: 'API_TOKEN', value: 'abc' }, { nested: [{ token: 'xyz', key: KEY }] }],
    '': { token: 'at-an-empty-key' },
  };

  test('GIVEN literals in fields, env pairs, arrays and a YAML file WHEN scanned THEN each is named by its field path', () => {
    expect(secretLiterals(obj)).toEqual(['data.config.yaml(yaml)[0].db.password', 'list[0].value', 'list[1].nested[0].token', 'token']);
  });

  test('GIVEN secrets by value WHEN scanned THEN each is named by its field path, inside YAML at the string', () => {
    expect(secretValues(obj).map((v) => [v.path, v.found.shape])).toEqual([['data.config.yaml', 'url-password'], ['list[1].nested[0].key', 'private-key']]);
  });

  test('GIVEN a private key in a field and a whole value WHEN searched THEN the field, or (value), is named', () => {
    expect(privateKeys(obj)).toEqual(['list[1].nested[0].key']);
    expect(privateKeys(KEY)).toEqual(['(value)']);
    expect(privateKeys({ a: '-----BEGIN PRIVATE KEY----- (the marker alone, in a script)' })).toEqual([]);
  });
});
