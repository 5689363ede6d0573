import { describeObject } from '../k8s/manifest';
import type { Rule, RuleFinding } from '../rule';
import { APPLICATION_PATHS, LAYER_ORDER, ONE_APPLICATION, PLAIN_SOURCES } from './application-rules';
import type { HaRuleId } from '../ha/annotations';
import { BACKUP_COVERAGE } from './backup-rules';
import { EXCLUDED_RESOURCES } from './exclusion-rules';
import { DEFAULT_DENY } from './ha-rules';
import { DIRECTORY_CONSUMERS } from './ldap-rules';
import { MONITOR_REACH } from './monitor-rules';
import { API_PROVIDERS, BOOTSTRAP, DUPLICATES, NAMESPACES } from './identity-rules';
import { ROUTE_BACKENDS, SERVICE_SELECTORS } from './reference-rules';
import { ROUTE_REACH } from './route-reach-rules';
import { POD_REFERENCES } from './pod-reference-rules';
import { RBAC_REFERENCES } from './rbac-rules';
import { SSO_CLIENTS } from './sso-rules';
import { VERIFY_FIXTURES, VerifyFixture } from './rule-fixtures';
import {
  checkManifests, checkSchemas, checkSecrets, Report, ReportFile, Tree, VerifyRuleId,
} from './rules';
import { describeRef, runSplit, SplitRule } from './split-rule';

/**
 * The plain verify rules (what only the rendered YAML can show: manifests, schemas, secrets,
 * references, namespaces, sync order, the bootstrap, backups, the directory's consumers, what
 * Argo CD's resource filter leaves out) in the one rule shape of lib/rule.ts. Their messages
 * carry no id (they read as before); the id is on the finding.
 */

/** A plain verify rule (lib/rule.ts) over the verify Tree; its cases are files of a tree (lib/verify/rule-fixtures.ts). */
export interface VerifyRule extends Rule<Tree, VerifyFixture> {
  readonly id: VerifyRuleId;
}

/** The findings of one verify check as rule findings; its fixtures are VERIFY_FIXTURES[id]. */
function verifyRule(id: VerifyRuleId, description: string, run: (tree: Tree, report: Report, reportFile: ReportFile) => void): VerifyRule {
  return {
    id,
    description,
    check(tree) {
      const out: RuleFinding[] = [];
      run(tree, (o, message) => out.push({ rule: id, file: o.file, object: describeObject(o.obj), message }), (file, message) => out.push({ rule: id, file, message }));
      return out;
    },
    fixtures: VERIFY_FIXTURES[id],
  };
}

/**
 * A verify rule in two parts (./split-rule.ts): its join runs over the entries made from the
 * tree's documents, the same code that will run over entries recorded by an earlier synth.
 */
function splitVerifyRule<P>(description: string, rule: SplitRule<P, VerifyRuleId>): VerifyRule {
  const id = rule.id;
  return {
    id,
    description,
    check(tree) {
      return runSplit(tree, rule).map(({ at, message }): RuleFinding => (typeof at === 'string' ? { rule: id, file: at, message } : { rule: id, file: at.file, object: describeRef(at), message }));
    },
    fixtures: VERIFY_FIXTURES[id],
  };
}

/** Every plain verify rule, in the order verify runs them (findings of one file keep this order). */
export const VERIFY_RULES: readonly VerifyRule[] = [
  verifyRule('verify/manifests', 'every file reads as manifests, every object has apiVersion, kind and metadata.name, and no value is a number JSON cannot hold (.nan, .inf)', checkManifests),
  splitVerifyRule('one Application syncs each layer folder (from dist/apps) and each app folder (from a layer)', ONE_APPLICATION),
  verifyRule('verify/schemas', 'objects hold to their strict schemas and to what the API server validates beyond them (label and annotation key syntax, an apps/v1 workload\'s selector selecting its pod template, unique container, volume and port names, mounts of existing volumes, named Service ports), carry no status block, and their sync waves are integers', checkSchemas),
  verifyRule('verify/secrets', 'no secret material in git: no Secret with data (but public certificates), no literal secret, no private key', checkSecrets),
  splitVerifyRule('no object twice within dist/ or within argocd/', DUPLICATES),
  splitVerifyRule('namespaced objects name a namespace that exists when they sync; cluster-scoped objects name none', NAMESPACES),
  splitVerifyRule('Service selectors match a pod template in the same namespace, and each targetPort given by name is a port (with its protocol) that a container of the selected pods declares', SERVICE_SELECTORS),
  splitVerifyRule('Gateway API routes send to Services the tree renders (or a controller makes from a rendered object), on a port they expose', ROUTE_BACKENDS),
  splitVerifyRule(
    'every pod template\'s ServiceAccount, PriorityClass, PersistentVolumeClaims and ConfigMaps (volumes, projected volumes, envFrom, env valueFrom; not those marked optional) are rendered in its namespace, exist in every cluster, or are declared as made by a controller at run time; '
    + 'every probe port given by name (httpGet, tcpSocket) is one its container declares. '
    + 'Not checked: Secrets (controllers and External Secrets make them at run time), core PodTemplates (no pod is made from one), pods a controller makes at run time (no pod template)',
    POD_REFERENCES,
  ),
  splitVerifyRule('every RoleBinding\'s and ClusterRoleBinding\'s roleRef names a Role (in its namespace) or ClusterRole that the tree renders or Kubernetes builds in (cluster-admin, admin, edit, view, system:*)', RBAC_REFERENCES),
  splitVerifyRule('Applications point at folders that exist; every layer and app folder has an Application', APPLICATION_PATHS),
  splitVerifyRule('every Application syncs a dist/ folder of the platform repository; no Helm source, no k3s HelmChart', PLAIN_SOURCES),
  splitVerifyRule('layers sync after the layers they depend on', LAYER_ORDER),
  splitVerifyRule("every custom resource's API is installed before it syncs, at a version its rendered CRD serves", API_PROVIDERS),
  splitVerifyRule('argocd/ equals its twins in dist/argocd and its kustomization lists exactly them; the app of apps is there', BOOTSTRAP),
  splitVerifyRule('every volume is covered by a backup schedule or opted out with a reason', BACKUP_COVERAGE),
  splitVerifyRule('every LDAP consumer reaches the same directory the same way, over verified LDAPS', DIRECTORY_CONSUMERS),
  splitVerifyRule('every OIDC SecurityPolicy logs in as a client the Keycloak realm defines, on a host its routes serve, with a callback that client allows', SSO_CLIENTS),
  splitVerifyRule("no object an Application syncs is of a group and kind argocd-cm's resource.exclusions (or Argo CD's own) exclude or its resource.inclusions leave out", EXCLUDED_RESOURCES),
  splitVerifyRule(
    'Prometheus reaches every target it scrapes through the NetworkPolicies: for each ServiceMonitor and PodMonitor a rendered Prometheus selects (its monitor and namespace selectors), '
    + "the rendered pod templates its Services or selector match, on the endpoint's container port, admitted by the policies isolating them for ingress and allowed by those isolating Prometheus's pods for egress. "
    + 'Not checked: pods an operator or controller makes at run time (Prometheus, Alertmanager, Envoy\'s proxies: no pod template), selector-less Services (the kubelet, the API server) and ScrapeConfig static targets (node addresses), host-network pods (no policy applies); '
    + 'an ipBlock matches a pod only when it is 0.0.0.0/0 or ::/0 without except',
    MONITOR_REACH,
  ),
  splitVerifyRule(
    'the Envoy proxies reach every backend of the routes on Envoy Gateway\'s Gateways through the NetworkPolicies: for each HTTPRoute, TLSRoute, TCPRoute and GRPCRoute attached to a Gateway whose GatewayClass Envoy Gateway controls, '
    + "each backend Service's rendered pod templates, on the container port its targetPort names or numbers, admitted by the policies isolating them for ingress from the proxy pods (the labels Envoy Gateway gives them, in its namespace) and allowed by those isolating the proxies for egress. "
    + 'Not checked: backends that are not Services, Services without a selector, backends whose pods an operator makes at run time (Keycloak, Prometheus, Alertmanager: no pod template), ReferenceGrants for cross-namespace backends (only reach), routes of other GatewayClasses, listeners\' allowedRoutes, host-network pods; '
    + 'an ipBlock matches a pod only when it is 0.0.0.0/0 or ::/0 without except',
    ROUTE_REACH,
  ),
];

/**
 * Every split rule verify runs (./split-rule.ts), in VERIFY_RULES order, then the HA rules'
 * (HA_CHECKS order): what an earlier synth records of an object is each one's projection, by
 * `key` (rules without `project` record nothing).
 */
/* eslint-disable-next-line @typescript-eslint/no-explicit-any */
export const SPLIT_RULES: readonly SplitRule<any, VerifyRuleId | HaRuleId>[] = [
  ONE_APPLICATION, DUPLICATES, NAMESPACES, SERVICE_SELECTORS, ROUTE_BACKENDS, POD_REFERENCES, RBAC_REFERENCES, APPLICATION_PATHS, PLAIN_SOURCES, LAYER_ORDER, API_PROVIDERS, BOOTSTRAP,
  BACKUP_COVERAGE, DIRECTORY_CONSUMERS, SSO_CLIENTS, EXCLUDED_RESOURCES, MONITOR_REACH, ROUTE_REACH, DEFAULT_DENY,
];
