import { parse } from 'yaml';
import { EVICTION } from '../../lib/hosts/k3s-config';
import { CONTROLLER_TOLERATION_SECONDS, JENKINS_RECOVERY, JENKINS_RECOVERY_SECONDS, relativeDn } from '../../lib/layers/jenkins';
import { LONGHORN_ATTACH_SECONDS } from '../../lib/layers/longhorn';
import { renderSite } from '../../lib/synth';
import { secretLiterals } from '../../lib/verify/secret-literals';
import { shippedSite, siteWith } from '../helpers';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const CHART = 'dist/jenkins/application-jenkins-chart.yaml';

describe('Jenkins layer', () => {
  const files = new Map(renderSite(shippedSite()).map((f) => [f.path, f.content]));
  const obj = (p: string): Obj => parse(files.get(p)!);
  const wave = (o: Obj) => Number(o.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);
  const values = obj(CHART).spec.source.helm.valuesObject;
  const casc = parse(values.controller.JCasC.configScripts['ldap-security']);

  test('GIVEN the controller WHEN rendered THEN it is a declared singleton on a Longhorn volume that leaves a dead node as fast as every platform pod', () => {
    expect(obj(CHART).spec.source).toMatchObject({ chart: 'jenkins', repoURL: 'https://charts.jenkins.io', targetRevision: '5.9.53' });
    expect(values.controller.replicas).toBe(1);
    expect(values.persistence).toEqual({ enabled: true, storageClass: 'longhorn', accessMode: 'ReadWriteOnce', size: '50Gi' });
    expect(values.controller.tolerations).toEqual([
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 20 },
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 20 },
    ]);
    expect(CONTROLLER_TOLERATION_SECONDS).toBe(EVICTION.tolerationSeconds);
    expect(values.controller.probes).toEqual({ startupProbe: { failureThreshold: 12, periodSeconds: 10 } });
    expect(obj('dist/apps/application-jenkins.yaml').metadata.annotations['platform.tsys/depends-on']).toBe('gateway,longhorn,secrets');
  });

  test('GIVEN the singleton WHEN its node dies THEN the declared recovery time is eviction + volume move + image pull + startup window: 42 + 60 + 10 + 120 = 232 s', () => {
    expect(JENKINS_RECOVERY).toEqual({ evictionSeconds: 42, volumeMoveSeconds: 60, imagePullSeconds: 10, startupSeconds: 120 });
    expect(JENKINS_RECOVERY.evictionSeconds).toBe(EVICTION.nodeMonitorGracePeriodSeconds + EVICTION.nodeMonitorPeriodSeconds + values.controller.tolerations[0].tolerationSeconds);
    expect(JENKINS_RECOVERY.startupSeconds).toBe(values.controller.probes.startupProbe.failureThreshold * values.controller.probes.startupProbe.periodSeconds);
    expect(JENKINS_RECOVERY_SECONDS).toBe(232);
    // The volume moves once the evicted pod's grace period is over (Longhorn then force-deletes it) and it attaches elsewhere.
    expect(values.controller.terminationGracePeriodSeconds).toBe(30);
    expect(JENKINS_RECOVERY.volumeMoveSeconds).toBe(values.controller.terminationGracePeriodSeconds + LONGHORN_ATTACH_SECONDS);
    // 232 s is over the site's 90 s: Jenkins declares its own budget, with why (reports/failure-simulation.md lists it).
    const declared = JSON.parse(obj(CHART).metadata.annotations['platform.tsys/workloads']);
    expect(declared[0]).toMatchObject({ name: 'jenkins', kind: 'StatefulSet', recoveryBudget: { seconds: 240 }, volume: { storageClass: 'longhorn', accessMode: 'ReadWriteOnce' } });
    // Longhorn force-deletes pods stuck on a dead node: without it the StatefulSet pod would wait forever.
    const longhorn = parse(files.get('dist/longhorn/application-longhorn-chart.yaml')!).spec.source.helm.valuesObject;
    expect(longhorn.defaultSettings.nodeDownPodDeletionPolicy).toBe('delete-both-statefulset-and-deployment-pod');
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
    // The chart mounts jenkins-ldap's key bind-password as /run/secrets/additional/jenkins-ldap-bind-password.
    expect(values.controller.additionalExistingSecrets).toContainEqual({ name: 'jenkins-ldap', keyName: 'bind-password' });
    const es = obj('dist/jenkins/externalsecret-jenkins-ldap.yaml');
    expect(es.spec.data).toEqual([{ secretKey: 'bind-password', remoteRef: { key: 'ldap-svc-k8s-platform', property: 'password' } }]);
    expect(values.controller.additionalPlugins).toEqual(['ldap:807.v7d7de30930cf', 'matrix-auth:3.2.8', 'prometheus:852.v317db_5d17a_b_0']);
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
    const other = parse(parse(renderSite(siteWith((s) => { s.ldap.viewerGroup = 'cn=ci-readers,cn=groups,dc=turnsys,dc=com'; }))
      .find((f) => f.path === CHART)!.content).spec.source.helm.valuesObject.controller.JCasC.configScripts['ldap-security']);
    expect(other.jenkins.authorizationStrategy.globalMatrix.entries[1].group.name).toBe('ci-readers');
  });

  test('GIVEN agents WHEN rendered THEN the chart\'s Kubernetes cloud runs pod agents in the jenkins namespace, with a kaniko template pushing with the robot\'s docker config', () => {
    expect(values.controller.JCasC.defaultConfig).toBe(true);
    expect([values.agent.enabled, values.agent.namespace]).toEqual([true, 'jenkins']);
    const [template] = parse(values.agent.podTemplates.kaniko);
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
    const pinned = parse(renderSite(siteWith((s) => { s.versions = { kaniko: 'v1.23.2-debug' }; })).find((f) => f.path === CHART)!.content);
    expect(pinned.spec.source.helm.valuesObject.agent.podTemplates.kaniko).toContain('image: gcr.io/kaniko-project/executor:v1.23.2-debug');
  });

  test('GIVEN Harbor\'s CI robot account WHEN its Secret is rendered THEN a docker config for registry.<domain> is templated from Bitwarden, synced after Jenkins', () => {
    const es = obj('dist/jenkins/externalsecret-harbor-ci-push.yaml');
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
    expect(wave(es)).toBeGreaterThan(wave(obj(CHART)));
  });

  test('GIVEN the admin and LDAP Secrets WHEN rendered THEN they come from Bitwarden before the controller starts, and the values hold no literal secret', () => {
    expect(values.controller.admin).toEqual({ existingSecret: 'jenkins-admin', userKey: 'jenkins-admin-user', passwordKey: 'jenkins-admin-password', createSecret: true });
    const admin = obj('dist/jenkins/externalsecret-jenkins-admin.yaml');
    expect(admin.spec.data).toEqual([
      { secretKey: 'jenkins-admin-password', remoteRef: { key: 'jenkins-admin', property: 'password' } },
      { secretKey: 'jenkins-admin-user', remoteRef: { key: 'jenkins-admin', property: 'username' } },
    ]);
    for (const p of ['dist/jenkins/externalsecret-jenkins-admin.yaml', 'dist/jenkins/externalsecret-jenkins-ldap.yaml']) expect(wave(obj(p))).toBeLessThan(wave(obj(CHART)));
    expect(secretLiterals(obj(CHART), new Set(['jenkins-admin']))).toEqual([]);
    expect(values.controller.admin.password).toBeUndefined();
  });

  test('GIVEN the UI WHEN rendered THEN jenkins.<domain> is routed to the controller Service, set as the Jenkins URL and listed for HAProxy', () => {
    expect(values.controller.jenkinsUrl).toBe('https://jenkins.turnsys.com/');
    expect(obj('dist/jenkins/httproute-jenkins.yaml').spec).toEqual({
      hostnames: ['jenkins.turnsys.com'],
      parentRefs: [{ name: 'platform', namespace: 'envoy-gateway-system', sectionName: 'http' }],
      rules: [{ backendRefs: [{ name: 'jenkins', port: 8080 }], matches: [{ path: { type: 'PathPrefix', value: '/' } }] }],
    });
    expect(files.get('dist/hosts/haproxy/haproxy.cfg')).toContain('acl host_jenkins_turnsys_com hdr(host) -i jenkins.turnsys.com');
    expect(files.get('dist/hosts/haproxy/README.md')).toContain('| jenkins.turnsys.com | 10.251.51.200:80 | jenkins | Jenkins CI |');
  });
});
