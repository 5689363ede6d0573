import { parse } from 'yaml';
import { haInputFromFiles, haModel, nMinusOne } from '../../lib/ha/analysis';
import { HA_ANNOTATIONS } from '../../lib/ha/annotations';
import { EVICTION } from '../../lib/hosts/k3s-config';
import { CONTROLLER_TOLERATION_SECONDS, JENKINS_RECOVERY, JENKINS_RECOVERY_BUDGET, JENKINS_RECOVERY_SECONDS, JENKINS_RESOURCES, relativeDn } from '../../lib/layers/jenkins';
import { RecoveryStepName, stepSeconds, VOLUME_MOVE_BUDGET_SECONDS } from '../../lib/ha/recovery';
import type { RenderedFile } from '../../lib/render/rendered-file';
import { renderSite } from '../../lib/synth';
import { secretLiterals } from '../../lib/verify/secret-literals';
import { shippedRender, siteWith } from '../helpers';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const DIR = 'dist/jenkins';
const STATEFULSET = `${DIR}/statefulset-jenkins.yaml`;
/** The JCasC ConfigMaps the chart renders: its own configuration (the Kubernetes cloud) and one per configScripts key. */
const CASC = (key: string) => `${DIR}/configmap-jenkins-jenkins-${key === 'jcasc-default-config' ? 'jcasc-config' : `config-${key}`}.yaml`;

/** One JCasC document of a render. */
function cascOf(files: ReadonlyMap<string, string>, key: string): Obj {
  return parse(parse(files.get(CASC(key))!).data[`${key}.yaml`]);
}

describe('Jenkins layer', () => {
  const rendered: RenderedFile[] = shippedRender();
  const files = new Map(rendered.map((f) => [f.path, f.content]));
  const obj = (p: string): Obj => parse(files.get(p)!);
  const wave = (o: Obj) => Number(o.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);
  const sts = obj(STATEFULSET);
  const pod = sts.spec.template.spec;
  const container = (name: string): Obj => [...pod.initContainers, ...pod.containers].find((c: Obj) => c.name === name);
  const jenkins = container('jenkins');
  const casc = cascOf(files, 'ldap-security');

  test('GIVEN the controller WHEN rendered THEN it is the vendored chart 5.9.53\'s one controller on a Longhorn volume that leaves a dead node as fast as every platform pod', () => {
    expect(sts.metadata.labels['helm.sh/chart']).toBe('jenkins-5.9.53');
    expect(sts.spec.replicas).toBe(1);
    expect(obj(`${DIR}/persistentvolumeclaim-jenkins.yaml`).spec).toEqual({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '50Gi' } }, storageClassName: 'longhorn' });
    expect(pod.volumes).toContainEqual({ name: 'jenkins-home', persistentVolumeClaim: { claimName: 'jenkins' } });
    expect(pod.tolerations).toEqual([
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 20 },
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 20 },
    ]);
    expect(CONTROLLER_TOLERATION_SECONDS).toBe(EVICTION.tolerationSeconds);
    expect(sts.metadata.annotations[HA_ANNOTATIONS.singleton]).toContain('JENKINS_HOME on one volume');
    expect(obj('dist/apps/application-jenkins.yaml').metadata.annotations['platform.tsys/depends-on']).toBe('gateway,longhorn,secrets');
  });

  test('GIVEN the singleton WHEN its node dies THEN the recovery time is eviction + volume move + image pull + startup window + first readiness check: 42 + 60 + 10 + 120 + 10 = 242 s', () => {
    const step = (s: RecoveryStepName) => stepSeconds(JENKINS_RECOVERY, s);
    expect(JENKINS_RECOVERY.steps.map((s) => [s.step, s.seconds])).toEqual([['eviction', 42], ['volume move', 60], ['image pull', 10], ['start-up', 120], ['ready', 10]]);
    expect(step('eviction')).toBe(EVICTION.nodeMonitorGracePeriodSeconds + EVICTION.nodeMonitorPeriodSeconds + pod.tolerations[0].tolerationSeconds);
    expect(step('start-up')).toBe(jenkins.startupProbe.failureThreshold * jenkins.startupProbe.periodSeconds);
    expect(step('ready')).toBe(jenkins.readinessProbe.periodSeconds);
    // The volume moves once the evicted pod's grace period is over (Longhorn then force-deletes it) and it attaches elsewhere.
    expect(pod.terminationGracePeriodSeconds).toBe(30);
    expect(step('volume move')).toBe(pod.terminationGracePeriodSeconds + VOLUME_MOVE_BUDGET_SECONDS);
    expect(JENKINS_RECOVERY_SECONDS).toBe(242);
    // Longhorn force-deletes pods stuck on a dead node: without it the StatefulSet pod would wait forever.
    expect(parse(parse(files.get('dist/longhorn/configmap-longhorn-default-setting.yaml')!).data['default-setting.yaml'])['node-down-pod-deletion-policy']).toBe('delete-both-statefulset-and-deployment-pod');
  });

  test('GIVEN 242 s is over the site\'s 90 s WHEN simulated THEN Jenkins is back within its own reasoned 250 s budget, and the simulation computes the layer\'s figure', () => {
    expect(sts.metadata.annotations[HA_ANNOTATIONS.recoveryBudget]).toBe(`250: ${JENKINS_RECOVERY_BUDGET.reason}`);
    expect(JENKINS_RECOVERY_BUDGET.reason).toContain('needs 42 s eviction + 60 s volume move + 10 s image pull + its 120 s startup window + 10 s to its first readiness check = 242 s');
    const outcome = nMinusOne(haModel(haInputFromFiles(rendered))).find((r) => r.failed[0] === 'www1')!.outcomes.find((o) => o.label === 'jenkins/jenkins (StatefulSet)')!;
    expect(outcome).toMatchObject({ outageSeconds: JENKINS_RECOVERY_SECONDS, budgetSeconds: 250, verdict: 'ok' });
  });

  test('GIVEN the controller WHEN rendered THEN every container is sized and runs as uid 1000 with no capabilities, no escalation, seccomp RuntimeDefault and a read-only root', () => {
    expect(pod.securityContext).toEqual({ runAsUser: 1000, runAsNonRoot: true, fsGroup: 1000, fsGroupChangePolicy: 'OnRootMismatch', seccompProfile: { type: 'RuntimeDefault' } });
    for (const c of [...pod.initContainers, ...pod.containers]) {
      expect([c.name, c.securityContext]).toMatchObject([c.name, { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true }]);
    }
    expect([container('jenkins').resources, container('init').resources]).toEqual([JENKINS_RESOURCES.controller, JENKINS_RESOURCES.controller]);
    expect([container('config-reload').resources, container('config-reload-init').resources]).toEqual([JENKINS_RESOURCES.configReload, JENKINS_RESOURCES.configReload]);
  });

  test('GIVEN the config-reload sidecar WHEN rendered THEN only it goes without probes, and the exemption says why', () => {
    for (const p of ['startupProbe', 'readinessProbe', 'livenessProbe']) expect(jenkins[p].httpGet).toEqual({ path: '/login', port: 'http' });
    expect(pod.containers.filter((c: Obj) => !c.readinessProbe || !c.livenessProbe).map((c: Obj) => c.name)).toEqual(['config-reload']);
    expect(sts.metadata.annotations[HA_ANNOTATIONS.exempt]).toMatch(/^ha\/probes: the chart renders no probes for the config-reload sidecar/);
  });

  test('GIVEN the directory CA WHEN the controller starts THEN an init container imports it into a copy of the JDK trust store, which the JVM uses, from the ldap-ca Secret', () => {
    const init = container('ldap-truststore');
    expect(init.image).toBe(jenkins.image);
    expect(init.command[2]).toContain('cp "$JAVA_HOME/lib/security/cacerts" /var/jenkins-truststore/cacerts');
    expect(init.command[2]).toContain('keytool -importcert -noprompt');
    expect(init.volumeMounts).toEqual([{ name: 'ldap-ca', mountPath: '/var/jenkins-ldap-ca', readOnly: true }, { name: 'ldap-truststore', mountPath: '/var/jenkins-truststore' }]);
    expect(init.securityContext).toMatchObject({ runAsUser: 1000, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(jenkins.env.find((e: Obj) => e.name === 'JAVA_OPTS').value).toContain('-Djavax.net.ssl.trustStore=/var/jenkins-truststore/cacerts -Djavax.net.ssl.trustStorePassword=changeit');
    expect(jenkins.volumeMounts).toContainEqual({ name: 'ldap-truststore', mountPath: '/var/jenkins-truststore', readOnly: true });
    expect(pod.volumes).toContainEqual({ name: 'ldap-ca', secret: { secretName: 'ldap-ca' } });
    expect(obj(`${DIR}/externalsecret-ldap-ca.yaml`).spec.data).toEqual([{ secretKey: 'ca.crt', remoteRef: { key: 'ucs-root-ca' } }]);
  });

  test('GIVEN two directory nodes WHEN JCasC is rendered THEN the realm names both LDAPS URLs, space-separated (JNDI tries them in turn)', () => {
    const other = new Map(renderSite(siteWith((s) => { s.ldap.hosts = ['ucs1.turnsys.com', 'ucs2.turnsys.com']; s.ldap.port = 7636; })).map((f) => [f.path, f.content]));
    expect(cascOf(other, 'ldap-security').jenkins.securityRealm.ldap.configurations[0].server).toBe('ldaps://ucs1.turnsys.com:7636 ldaps://ucs2.turnsys.com:7636');
  });

  test('GIVEN the UCS directory WHEN JCasC is rendered THEN the LDAP realm binds with the site bind DN and a password mounted from a Bitwarden Secret', () => {
    expect(casc.jenkins.securityRealm).toEqual({
      ldap: {
        configurations: [{
          server: 'ldaps://ucs.turnsys.com:636',
          rootDN: 'dc=turnsys,dc=com',
          userSearchBase: 'cn=users',
          userSearch: 'uid={0}',
          groupSearchBase: 'cn=groups',
          groupSearchFilter: '(&(cn={0})(objectClass=posixGroup))',
          managerDN: 'uid=svc-k8s-platform,cn=users,dc=turnsys,dc=com',
          managerPasswordSecret: '${jenkins-ldap-bind-password}',
          displayNameAttributeName: 'displayName',
          mailAddressAttributeName: 'mail',
        }],
        userIdStrategy: 'CaseInsensitive',
        groupIdStrategy: 'CaseInsensitive',
      },
    });
    // jenkins-ldap's key bind-password is mounted as /run/secrets/additional/jenkins-ldap-bind-password, where JCasC reads it.
    expect(jenkins.volumeMounts).toContainEqual({ name: 'jenkins-secrets', mountPath: '/run/secrets/additional', readOnly: true });
    const sources = pod.volumes.find((v: Obj) => v.name === 'jenkins-secrets').projected.sources;
    expect(sources).toContainEqual({ secret: { name: 'jenkins-ldap', items: [{ key: 'bind-password', path: 'jenkins-ldap-bind-password' }] } });
    const es = obj(`${DIR}/externalsecret-jenkins-ldap.yaml`);
    expect(es.spec.data).toEqual([{ secretKey: 'bind-password', remoteRef: { key: 'ldap-svc-k8s-platform', property: 'password' } }]);
    expect(parse(files.get(`${DIR}/configmap-jenkins.yaml`)!).data['plugins.txt'].split('\n').slice(-3)).toEqual(['ldap:807.v7d7de30930cf', 'matrix-auth:3.2.8', 'prometheus:852.v317db_5d17a_b_0']);
    expect(relativeDn('cn=users,dc=turnsys,dc=com', 'dc=turnsys,dc=com')).toBe('cn=users');
    expect(() => relativeDn('cn=users,dc=other,dc=com', 'dc=turnsys,dc=com')).toThrow('is not below');
  });

  test('GIVEN the admin and viewer groups WHEN authorization is rendered THEN admins administer, viewers read, nobody else gets anything', () => {
    expect(casc.jenkins.authorizationStrategy).toEqual({
      globalMatrix: {
        entries: [
          { group: { name: 'k8s-platform-admins', permissions: ['Overall/Administer'] } },
          { group: { name: 'k8s-platform-viewers', permissions: ['Overall/Read', 'Job/Read', 'View/Read'] } },
        ],
      },
    });
    const other = new Map(renderSite(siteWith((s) => { s.ldap.viewerGroup = 'cn=ci-readers,cn=groups,dc=turnsys,dc=com'; })).map((f) => [f.path, f.content]));
    expect(cascOf(other, 'ldap-security').jenkins.authorizationStrategy.globalMatrix.entries[1].group.name).toBe('ci-readers');
  });

  test('GIVEN agents WHEN rendered THEN the chart\'s Kubernetes cloud runs pod agents in the jenkins namespace, with a kaniko template pushing with the robot\'s docker config', () => {
    const cloud = cascOf(files, 'jcasc-default-config').jenkins.clouds[0].kubernetes;
    expect(cloud.namespace).toBe('jenkins');
    const template = cloud.templates.find((t: Obj) => t.name === 'kaniko');
    expect(template).toMatchObject({ name: 'kaniko', label: 'kaniko', namespace: 'jenkins', inheritFrom: 'default', yamlMergeStrategy: 'merge' });
    expect(parse(template.yaml)).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      spec: {
        containers: [{
          name: 'kaniko',
          image: 'gcr.io/kaniko-project/executor:v1.24.0-debug',
          command: ['/busybox/cat'],
          tty: true,
          volumeMounts: [{ name: 'docker-config', mountPath: '/kaniko/.docker', readOnly: true }],
        }],
        volumes: [{ name: 'docker-config', secret: { secretName: 'harbor-ci-push', items: [{ key: '.dockerconfigjson', path: 'config.json' }] } }],
      },
    });
    const pinned = new Map(renderSite(siteWith((s) => { s.versions = { kaniko: 'v1.23.2-debug' }; })).map((f) => [f.path, f.content]));
    expect(cascOf(pinned, 'jcasc-default-config').jenkins.clouds[0].kubernetes.templates.find((t: Obj) => t.name === 'kaniko').yaml).toContain('image: gcr.io/kaniko-project/executor:v1.23.2-debug');
  });

  test('GIVEN Harbor\'s CI robot account WHEN its Secret is rendered THEN a docker config for registry.<domain> is templated from Bitwarden, synced after Jenkins', () => {
    const es = obj(`${DIR}/externalsecret-harbor-ci-push.yaml`);
    expect(es.metadata.namespace).toBe('jenkins');
    expect(es.spec.target.template.type).toBe('kubernetes.io/dockerconfigjson');
    expect(es.spec.data).toEqual([
      { secretKey: 'password', remoteRef: { key: 'harbor-robot-ci-push', property: 'password' } },
      { secretKey: 'username', remoteRef: { key: 'harbor-robot-ci-push', property: 'username' } },
    ]);
    // What External Secrets writes for robot$ci-push / s3cret.
    const template: string = es.spec.target.template.data['.dockerconfigjson'];
    const written = JSON.parse(template.replace('{{ printf "%s:%s" .username .password | b64enc }}', Buffer.from('robot$ci-push:s3cret').toString('base64')));
    expect(written).toEqual({ auths: { 'registry.turnsys.com': { auth: Buffer.from('robot$ci-push:s3cret').toString('base64') } } });
    // The robot exists only once Harbor runs: a missing item must never hold the controller back.
    expect(wave(es)).toBeGreaterThan(wave(sts));
  });

  test('GIVEN the admin and LDAP Secrets WHEN rendered THEN they come from Bitwarden before the controller starts, and no rendered object holds a secret', () => {
    const admin = obj(`${DIR}/externalsecret-jenkins-admin.yaml`);
    expect(admin.spec.data).toEqual([
      { secretKey: 'jenkins-admin-password', remoteRef: { key: 'jenkins-admin', property: 'password' } },
      { secretKey: 'jenkins-admin-user', remoteRef: { key: 'jenkins-admin', property: 'username' } },
    ]);
    // The chart reads the admin from the existing Secret (mounted for JCasC), and renders no Secret of its own.
    expect(pod.volumes.find((v: Obj) => v.name === 'jenkins-secrets').projected.sources).toContainEqual({
      secret: { name: 'jenkins-admin', items: [{ key: 'jenkins-admin-user', path: 'chart-admin-username' }, { key: 'jenkins-admin-password', path: 'chart-admin-password' }] },
    });
    for (const p of [`${DIR}/externalsecret-jenkins-admin.yaml`, `${DIR}/externalsecret-jenkins-ldap.yaml`]) expect(wave(obj(p))).toBeLessThan(wave(sts));
    const layer = rendered.filter((f) => f.path.startsWith(`${DIR}/`)).map((f) => parse(f.content) as Obj);
    expect(layer.filter((o) => o.kind === 'Secret')).toEqual([]);
    for (const o of layer) expect([o.kind, o.metadata.name, secretLiterals(o, new Set(['jenkins-admin']))]).toEqual([o.kind, o.metadata.name, []]);
  });

  test('GIVEN the UI WHEN rendered THEN jenkins.<domain> is routed to the controller Service, set as the Jenkins URL and listed for HAProxy', () => {
    expect(cascOf(files, 'jcasc-default-config').unclassified.location.url).toBe('https://jenkins.turnsys.com/');
    expect(obj(`${DIR}/service-jenkins.yaml`).spec.ports).toContainEqual(expect.objectContaining({ port: 8080, targetPort: 8080 }));
    expect(obj(`${DIR}/httproute-jenkins.yaml`).spec).toEqual({
      hostnames: ['jenkins.turnsys.com'],
      parentRefs: [{ name: 'platform', namespace: 'envoy-gateway-system', sectionName: 'http' }],
      rules: [{ backendRefs: [{ name: 'jenkins', port: 8080 }], matches: [{ path: { type: 'PathPrefix', value: '/' } }] }],
    });
    expect(files.get('dist/hosts/haproxy/haproxy.cfg')).toContain('acl host_jenkins_turnsys_com hdr(host) -i jenkins.turnsys.com');
    expect(files.get('dist/hosts/haproxy/README.md')).toContain('| jenkins.turnsys.com | 10.251.51.200:80 | jenkins | Jenkins CI |');
  });
});
