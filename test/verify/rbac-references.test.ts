// verify/rbac-references (lib/verify/rbac-rules.ts): every binding's roleRef names a Role or
// ClusterRole that the tree renders or Kubernetes builds in.
import { readFactsFile } from '../../lib/facts/facts';
import type { JsonMap } from '../../lib/k8s/manifest';
import { loadTree } from '../../lib/k8s/tree';
import { isBuiltInRole } from '../../lib/verify/rbac-rules';
import { fixtureTree } from '../../lib/verify/rule-fixtures';
import { SchemaRegistry } from '../../lib/verify/schemas';
import { treeOf } from '../../lib/verify/tree-of';
import { VERIFY_RULES } from '../../lib/verify/verify-rules';
import { REPO } from '../helpers';

const registry = new SchemaRegistry();
const RULE = VERIFY_RULES.find((r) => r.id === 'verify/rbac-references')!;
const RBAC = 'rbac.authorization.k8s.io';

const binding = (kind: 'RoleBinding' | 'ClusterRoleBinding', roleRef: JsonMap, ns = 'web'): JsonMap => ({
  apiVersion: `${RBAC}/v1`, kind, metadata: { name: 'web', ...(kind === 'RoleBinding' ? { namespace: ns } : {}) }, roleRef: { apiGroup: RBAC, ...roleRef }, subjects: [{ kind: 'ServiceAccount', name: 'web', namespace: 'web' }],
});
const role = (kind: 'Role' | 'ClusterRole', name: string, ns = 'web'): JsonMap => ({ apiVersion: `${RBAC}/v1`, kind, metadata: { name, ...(kind === 'Role' ? { namespace: ns } : {}) }, rules: [] });

/** The rule's messages over a tree of `objects`, one file each. */
function findings(...objects: JsonMap[]): string[] {
  const files: { [file: string]: JsonMap[] } = {};
  objects.forEach((o, i) => { files[`dist/web/object-${i}.yaml`] = [o]; });
  return RULE.check(fixtureTree({ files }, registry)).map((f) => f.message);
}

describe('verify/rbac-references', () => {
  test('GIVEN the committed render WHEN checked THEN every binding names a role that is rendered or built in (metrics-server reads kube-system\'s extension-apiserver-authentication-reader)', () => {
    expect(RULE.check(treeOf(loadTree(REPO), { root: REPO, registry, facts: readFactsFile(REPO).facts }))).toEqual([]);
  });

  test('GIVEN a RoleBinding to a Role that is not rendered WHEN checked THEN it is found; the Role in its namespace passes, in another it does not', () => {
    expect(findings(binding('RoleBinding', { kind: 'Role', name: 'web' }))).toEqual([
      'roleRef names Role "web", which is not rendered in namespace "web" nor built into Kubernetes; the binding grants nothing and its subjects meet "forbidden" on the cluster: render the Role (a chart\'s rbac.create), or name one that is',
    ]);
    expect(findings(binding('RoleBinding', { kind: 'Role', name: 'web' }), role('Role', 'web'))).toEqual([]);
    expect(findings(binding('RoleBinding', { kind: 'Role', name: 'web' }), role('Role', 'web', 'other'))).toHaveLength(1);
  });

  test('GIVEN bindings to ClusterRoles WHEN checked THEN a rendered or built-in one passes (from a RoleBinding too), a missing one is found', () => {
    expect(findings(binding('ClusterRoleBinding', { kind: 'ClusterRole', name: 'reader' }))).toEqual([
      'roleRef names ClusterRole "reader", which is not rendered nor built into Kubernetes; the binding grants nothing and its subjects meet "forbidden" on the cluster: render the ClusterRole (a chart\'s rbac.create), or name one that is',
    ]);
    expect(findings(binding('ClusterRoleBinding', { kind: 'ClusterRole', name: 'reader' }), role('ClusterRole', 'reader'))).toEqual([]);
    expect(findings(binding('RoleBinding', { kind: 'ClusterRole', name: 'reader' }), role('ClusterRole', 'reader'))).toEqual([]);
    expect(findings(binding('RoleBinding', { kind: 'ClusterRole', name: 'view' }), binding('ClusterRoleBinding', { kind: 'ClusterRole', name: 'system:auth-delegator' }))).toEqual([]);
  });

  test('GIVEN the built-in roles WHEN asked THEN the API server\'s defaults are, others are not', () => {
    expect(['cluster-admin', 'admin', 'edit', 'view', 'system:auth-delegator'].every((n) => isBuiltInRole('ClusterRole', '', n))).toBe(true);
    expect(isBuiltInRole('ClusterRole', '', 'viewer')).toBe(false);
    expect(isBuiltInRole('Role', 'kube-system', 'extension-apiserver-authentication-reader')).toBe(true);
    expect(isBuiltInRole('Role', 'kube-public', 'system:controller:bootstrap-signer')).toBe(true);
    expect(isBuiltInRole('Role', 'web', 'extension-apiserver-authentication-reader')).toBe(false);
    expect(isBuiltInRole('Role', 'kube-system', 'view')).toBe(false);
  });

  test('GIVEN roleRefs of another group or kind, without a name, or a ClusterRoleBinding naming a Role WHEN checked THEN they are left to the schema', () => {
    expect(findings(
      binding('RoleBinding', { apiGroup: 'example.com', kind: 'Role', name: 'x' }),
      binding('RoleBinding', { kind: 'Other', name: 'x' }),
      binding('RoleBinding', { kind: 'Role' }),
      binding('ClusterRoleBinding', { kind: 'Role', name: 'x' }),
      { apiVersion: `${RBAC}/v1`, kind: 'RoleBinding', metadata: { name: 'bare', namespace: 'web' } },
    )).toEqual([]);
  });
});
