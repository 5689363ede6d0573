// When Argo CD applies an object in a sync (lib/k8s/argo-sync.ts), read as gitops-engine reads
// its annotations: sync_phase.go, hook/hook.go, hook/helm/type.go and hook.go, syncwaves/waves.go.
import { atoi, deletePolicies, firstApplied, isHook, isPassingHook, syncPhasesOf, syncWaveOf } from '../../lib/k8s/argo-sync';

const HOOK = 'argocd.argoproj.io/hook';
const WAVE = 'argocd.argoproj.io/sync-wave';

describe('Argo CD sync phases and waves', () => {
  test('GIVEN hook annotations WHEN read THEN an object with none is Sync; Argo CD hook types win over Helm hooks, which map pre-install/pre-upgrade to PreSync and post-install/post-upgrade to PostSync; crd-install is no hook', () => {
    const cases: [Record<string, unknown> | undefined | null | string, string[]][] = [
      [undefined, ['Sync']],
      [null, ['Sync']],
      ['x', ['Sync']],
      [{}, ['Sync']],
      [{ [HOOK]: 'PreSync' }, ['PreSync']],
      [{ [HOOK]: ' PostSync , PreSync,PreSync ' }, ['PreSync', 'PostSync']],
      [{ [HOOK]: 'Sync' }, ['Sync']],
      [{ [HOOK]: 'SyncFail' }, ['SyncFail']],
      [{ [HOOK]: 'PostDelete' }, []],
      [{ [HOOK]: 'Skip' }, []],
      [{ [HOOK]: 'Skip,PreSync' }, ['PreSync']],
      [{ [HOOK]: 'Unknown' }, []],
      [{ [HOOK]: 'Unknown', 'helm.sh/hook': 'pre-install' }, ['PreSync']],
      [{ [HOOK]: 'PostSync', 'helm.sh/hook': 'pre-install' }, ['PostSync']],
      [{ 'helm.sh/hook': 'pre-install' }, ['PreSync']],
      [{ 'helm.sh/hook': 'pre-upgrade' }, ['PreSync']],
      [{ 'helm.sh/hook': 'post-install,post-upgrade' }, ['PostSync']],
      [{ 'helm.sh/hook': 'pre-install,post-install' }, ['PreSync', 'PostSync']],
      [{ 'helm.sh/hook': 'pre-delete' }, []],
      [{ 'helm.sh/hook': 'post-delete' }, []],
      [{ 'helm.sh/hook': 'crd-install' }, ['Sync']],
      [{ [HOOK]: 7 }, ['Sync']],
    ];
    for (const [annotations, phases] of cases) expect([annotations, syncPhasesOf(annotations)]).toEqual([annotations, phases]);
  });

  test('GIVEN wave annotations WHEN read THEN sync-wave is Go\'s Atoi of its text, else helm.sh/hook-weight, else 0', () => {
    expect(syncWaveOf(undefined)).toBe(0);
    expect(syncWaveOf({ [WAVE]: '3' })).toBe(3);
    expect(syncWaveOf({ [WAVE]: '-2' })).toBe(-2);
    expect(syncWaveOf({ [WAVE]: '+07' })).toBe(7);
    expect(syncWaveOf({ [WAVE]: '1.5', 'helm.sh/hook-weight': '4' })).toBe(4);
    expect(syncWaveOf({ [WAVE]: ' 1' })).toBe(0);
    expect(syncWaveOf({ 'helm.sh/hook-weight': '-5' })).toBe(-5);
    expect(syncWaveOf({ [WAVE]: '2', 'helm.sh/hook-weight': '-5' })).toBe(2);
    expect([atoi('12'), atoi(''), atoi('1e3'), atoi(12), atoi('99999999999999999999')]).toEqual([12, undefined, undefined, undefined, undefined]);
  });

  test('GIVEN an object WHEN asked when a normal sync first applies it THEN its first phase of PreSync, Sync, PostSync and its wave; never for SyncFail, PostDelete and Skip hooks', () => {
    expect(firstApplied(undefined)).toEqual([1, 0]);
    expect(firstApplied({ [HOOK]: 'PostSync,PreSync', [WAVE]: '2' })).toEqual([0, 2]);
    expect(firstApplied({ [HOOK]: 'PostSync' })).toEqual([2, 0]);
    expect(firstApplied({ [HOOK]: 'SyncFail' })).toBeUndefined();
    expect(firstApplied({ [HOOK]: 'Skip' })).toBeUndefined();
  });

  test('GIVEN hooks and their delete policies WHEN read as Argo CD reads them (hook/delete_policy.go) THEN Argo CD\'s and Helm\'s policies add up, none means BeforeHookCreation, and a hook Argo CD deletes in ordinary syncs is one with BeforeHookCreation or HookSucceeded', () => {
    expect([isHook(undefined), isHook({ [HOOK]: 'Unknown' }), isHook({ 'helm.sh/hook': 'crd-install' }), isHook({ 'helm.sh/hook': 'pre-delete' }), isHook({ [HOOK]: 'Skip' })]).toEqual([false, true, false, true, true]);
    expect(deletePolicies({})).toEqual(['BeforeHookCreation']);
    expect(deletePolicies({ 'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded, Nope' })).toEqual(['HookSucceeded']);
    expect(deletePolicies({ 'argocd.argoproj.io/hook-delete-policy': 'HookFailed', 'helm.sh/hook-delete-policy': 'hook-succeeded,before-hook-creation' })).toEqual(['HookFailed', 'HookSucceeded', 'BeforeHookCreation']);
    expect(isPassingHook({})).toBe(false);
    expect(isPassingHook({ [HOOK]: 'PreSync' })).toBe(true);
    expect(isPassingHook({ [HOOK]: 'PreSync', 'argocd.argoproj.io/hook-delete-policy': 'HookFailed' })).toBe(false);
    expect(isPassingHook({ 'helm.sh/hook': 'post-install', 'helm.sh/hook-delete-policy': 'hook-succeeded' })).toBe(true);
  });
});
