import { isMap, stringAt } from '../k8s/manifest';
import { Entry, SplitRule } from './split-rule';

/**
 * verify/rbac-references: a RoleBinding or ClusterRoleBinding whose roleRef names a Role or
 * ClusterRole that does not exist grants nothing. The API server takes the binding as it is, so
 * the controller it was meant for only meets 403s on the cluster (it crash-loops, or its work
 * silently stops), while every schema passes: a chart told not to render its Role
 * (`rbac.create: false`, `rbac.namespaced`) whose RoleBinding still names it, or a typo.
 */

/**
 * The roles every cluster has: the API server's default ClusterRoles (cluster-admin, admin, edit,
 * view, and the `system:` ones) and the Roles it makes in kube-system and kube-public (the
 * `system:` ones and extension-apiserver-authentication-reader).
 */
export function isBuiltInRole(kind: 'Role' | 'ClusterRole', namespace: string, name: string): boolean {
  if (kind === 'ClusterRole') return ['cluster-admin', 'admin', 'edit', 'view'].includes(name) || name.startsWith('system:');
  return (namespace === 'kube-system' || namespace === 'kube-public') && (name.startsWith('system:') || name === 'extension-apiserver-authentication-reader');
}

/** What verify/rbac-references reads of a binding: the kind and name its roleRef names (of rbac.authorization.k8s.io). */
export interface RoleRefProjection {
  readonly role?: readonly [kind: 'Role' | 'ClusterRole', name: string];
}

/**
 * Every RoleBinding's and ClusterRoleBinding's roleRef names a Role in the binding's namespace (a
 * RoleBinding only) or a ClusterRole that the tree renders or every cluster has. A roleRef of
 * another API group or kind is left to the schema.
 */
export const RBAC_REFERENCES: SplitRule<RoleRefProjection, 'verify/rbac-references'> = {
  id: 'verify/rbac-references',
  key: 'rbac',
  project({ obj, ref, group }) {
    if (group !== 'rbac.authorization.k8s.io' || (ref.kind !== 'RoleBinding' && ref.kind !== 'ClusterRoleBinding')) return undefined;
    const roleRef = obj.roleRef;
    if (!isMap(roleRef) || (stringAt(roleRef, 'apiGroup') ?? '') !== 'rbac.authorization.k8s.io') return undefined;
    const kind = stringAt(roleRef, 'kind');
    const name = stringAt(roleRef, 'name');
    if ((kind !== 'Role' && kind !== 'ClusterRole') || !name) return undefined;
    // A ClusterRoleBinding can only name a ClusterRole (the API server refuses a Role): the schema's to say, not this rule's.
    if (ref.kind === 'ClusterRoleBinding' && kind === 'Role') return undefined;
    return { role: [kind, name] };
  },
  join(entries, _tree, report) {
    const roles = new Set<string>();
    const bindings: Entry<RoleRefProjection>[] = [];
    for (const e of entries) {
      if (e.group === 'rbac.authorization.k8s.io') {
        if (e.ref.kind === 'Role') roles.add(`Role ${e.ref.namespace ?? ''}/${e.ref.name}`);
        else if (e.ref.kind === 'ClusterRole') roles.add(`ClusterRole ${e.ref.name}`);
      }
      if (e.p?.role) bindings.push(e);
    }
    for (const e of bindings) {
      const [kind, name] = e.p!.role!;
      const ns = e.ref.namespace ?? '';
      if (isBuiltInRole(kind, ns, name) || roles.has(kind === 'Role' ? `Role ${ns}/${name}` : `ClusterRole ${name}`)) continue;
      const where = kind === 'Role' ? ` in namespace "${ns}"` : '';
      report(e.ref, `roleRef names ${kind} "${name}", which is not rendered${where} nor built into Kubernetes; the binding grants nothing and its subjects meet "forbidden" on the cluster: render the ${kind} (a chart's rbac.create), or name one that is`);
    }
  },
};
