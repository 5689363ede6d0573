import { boardMarker } from '../../lib/drill/data-marker';
import { DrillOptions, DrillReport, runDrill } from '../../lib/drill/drill';
import { DrillError, DrillInterrupted } from '../../lib/drill/drill-error';
import { formatDrillReport } from '../../lib/drill/report';
import { FakeWorld } from './fake-world';

const URL_ = 'https://whiteboard.example.org/';

function options(world: FakeWorld, extra: Partial<DrillOptions> = {}): DrillOptions & { lines: string[] } {
  const lines: string[] = [];
  return {
    app: 'whiteboard',
    namespace: 'prod',
    node: 'www1',
    mode: 'drain',
    url: URL_,
    timeoutSeconds: 600,
    intervalSeconds: 1,
    marker: boardMarker(world.prober, URL_, 'drill'),
    log: (l) => lines.push(l),
    lines,
    ...extra,
  };
}

/** A single-replica app on www1 that, once evicted, is down for `downFor` s and back on www2 after `readyAfter` s. */
function singletonWorld(downFor: number, readyAfter: number): FakeWorld {
  const world = new FakeWorld();
  world.addPod('whiteboard-a', 'www1');
  world.onEvicted = (pod) => {
    world.up = false;
    world.after(1, () => world.removePod(pod));
    world.after(readyAfter, () => world.addPod('whiteboard-b', 'www2'));
    world.after(downFor, () => {
      world.up = true;
    });
  };
  return world;
}

const run = (world: FakeWorld, o: DrillOptions): Promise<DrillReport> => runDrill({ clock: world.clock, cluster: world.cluster, prober: world.prober }, o);

describe('node-failure drill against a fake clock and cluster', () => {
  test('GIVEN the app moves to www2 30 s after its eviction WHEN the drill drains www1 THEN it cordons, evicts, measures 30 s downtime, data survived, uncordons, exit 0', async () => {
    const world = singletonWorld(30, 28);
    const o = options(world, { expected: { seconds: 180, explanation: '60 s volume move + 120 s startup' } });
    const r = await run(world, o);
    expect(world.calls.filter((c) => !c.startsWith('listPods'))).toEqual(['cordon www1', 'evict prod/whiteboard-a', 'uncordon www1']);
    expect(world.calls).toContain('listPods prod app.kubernetes.io/name=whiteboard');
    expect(r).toMatchObject({
      cameBack: true, downtimeSeconds: 30, rescheduleSeconds: 28, newNode: 'www2', newPod: 'whiteboard-b',
      dataSurvived: true, uncordoned: true, problems: [], exitCode: 0, evictionRefusals: [],
    });
    expect(r.windows).toEqual([{ fromSeconds: 0, toSeconds: 30, error: 'HTTP 503' }]);
    expect(world.nodes.get('www1')!.unschedulable).toBe(false);
    const text = formatDrillReport(r);
    expect(text).toContain('  downtime:           30 s (first failing probe of https://whiteboard.example.org/ to the first success after)');
    expect(text).toContain('  came back:          yes, on www2 (whiteboard-b)');
    expect(text).toContain('  data survived:      yes');
    expect(text).toContain('  expected recovery:  at most 180 s (60 s volume move + 120 s startup); measured 30 s, within it');
    expect(text).toContain('  result:             PASS');
    expect(o.lines[0]).toBe('drill: whiteboard in prod: pod whiteboard-a on www1; https://whiteboard.example.org/ answers 302');
  });

  test('GIVEN a PodDisruptionBudget refuses the eviction twice WHEN the drill drains THEN it reports the refusal once, retries, and succeeds', async () => {
    const world = singletonWorld(10, 8);
    let refused = 0;
    world.evictionAnswer = () => (refused++ < 2 ? { outcome: 'refused', message: 'Cannot evict pod as it would violate the pod\'s disruption budget.' } : { outcome: 'evicted' });
    const r = await run(world, options(world));
    expect(world.calls.filter((c) => c.startsWith('evict'))).toHaveLength(3);
    expect(r.evictionRefusals).toEqual(["eviction of whiteboard-a refused: Cannot evict pod as it would violate the pod's disruption budget."]);
    expect(r.exitCode).toBe(0);
    expect(r.rescheduleSeconds).toBe(10);
  });

  test('GIVEN the operator powers www1 off WHEN the drill runs with power-off THEN it does not cordon, waits for NotReady, then for the pod on www2', async () => {
    const world = new FakeWorld();
    world.addPod('whiteboard-a', 'www1');
    const o = options(world, { mode: 'power-off' });
    world.after(5, () => {
      world.up = false; // the plug is pulled
    });
    world.after(27, () => world.nodeDown('www1'));
    world.after(50, () => {
      world.pods = world.pods.map((p) => ({ ...p, terminating: true }));
      world.addPod('whiteboard-b', 'www3', false);
    });
    world.after(70, () => {
      world.pods = [{ ...world.pods.find((p) => p.name === 'whiteboard-b')!, ready: true }];
      world.up = true;
    });
    const r = await run(world, o);
    expect(world.calls.filter((c) => !c.startsWith('listPods'))).toEqual([]);
    expect(o.lines).toContain('drill: POWER OFF node www1 NOW (pull the plug or hard power-off, no shutdown); waiting up to 600 s');
    expect(r).toMatchObject({ cameBack: true, downtimeSeconds: 65, nodeNotReadySeconds: 22, rescheduleSeconds: 65, newNode: 'www3', dataSurvived: true, uncordoned: false, exitCode: 0 });
    expect(formatDrillReport(r)).toContain('  node NotReady:      after 22 s');
  });

  test('GIVEN the app never comes back WHEN the timeout passes THEN the report says why, uncordons, and exits 1', async () => {
    const world = new FakeWorld();
    world.addPod('whiteboard-a', 'www1');
    world.onEvicted = () => {
      world.up = false;
      world.after(2, () => world.removePod('whiteboard-a'));
    };
    const r = await run(world, options(world, { timeoutSeconds: 60, intervalSeconds: 2 }));
    expect(r.cameBack).toBe(false);
    expect(r.exitCode).toBe(1);
    expect(r.downtimeSeconds).toBeUndefined();
    expect(r.dataSurvived).toBeUndefined();
    expect(r.problems).toEqual(['the app did not come back within 60 s: no new pod of whiteboard became Ready on another node; https://whiteboard.example.org/ still fails (HTTP 503)']);
    expect(world.calls[world.calls.length - 1]).toBe('uncordon www1');
    expect(world.t).toBeGreaterThanOrEqual(60_000);
    expect(world.t).toBeLessThanOrEqual(64_000);
    expect(formatDrillReport(r)).toContain('  came back:          NO');
  });

  test('GIVEN the board comes back different WHEN the drill ends THEN data survived is no and exit 1', async () => {
    const world = singletonWorld(20, 15);
    world.after(3, () => {
      world.board = '{}';
    });
    const r = await run(world, options(world));
    expect(r.cameBack).toBe(true);
    expect(r.dataSurvived).toBe(false);
    expect(r.exitCode).toBe(1);
    expect(r.problems[0]).toMatch(/^the data did not survive: board "drill" \(https:\/\/whiteboard.example.org\/download\/drill\): before 19 bytes, sha256 [0-9a-f]{12}, after 2 bytes, sha256 [0-9a-f]{12}: DIFFERENT$/);
    expect(formatDrillReport(r)).toContain('  data survived:      NO');
  });

  test('GIVEN the pod runs on www2 WHEN the drill is asked for www1 THEN it refuses before changing anything and names the node to use', async () => {
    const world = new FakeWorld();
    world.addPod('whiteboard-a', 'www2');
    await expect(run(world, options(world))).rejects.toThrow(new DrillError('no pod of the app "whiteboard" runs on node www1: it runs on www2; use --node www2'));
    expect(world.calls.filter((c) => !c.startsWith('listPods'))).toEqual([]);
  });

  test('GIVEN no pod of the app WHEN the drill starts THEN it says the app is not deployed', async () => {
    const world = new FakeWorld();
    await expect(run(world, options(world))).rejects.toThrow('no running pod of the app "whiteboard" in namespace prod (label app.kubernetes.io/name=whiteboard); is it deployed and synced in Argo CD?');
  });

  test('GIVEN an empty board WHEN the drill starts THEN it asks for a drawing first and changes nothing', async () => {
    const world = new FakeWorld();
    world.addPod('whiteboard-a', 'www1');
    world.board = '';
    await expect(run(world, options(world))).rejects.toThrow(/empty body: an empty data marker proves nothing; draw something on the board/);
    expect(world.calls).not.toContain('cordon www1');
  });

  test('GIVEN the app does not answer before the drill WHEN it starts THEN it refuses', async () => {
    const world = new FakeWorld();
    world.addPod('whiteboard-a', 'www1');
    world.up = false;
    await expect(run(world, options(world))).rejects.toThrow('the app does not answer at https://whiteboard.example.org/ before the drill (HTTP 503)');
  });

  test('GIVEN an unknown or cordoned node WHEN the drill starts THEN it refuses', async () => {
    const world = new FakeWorld();
    world.addPod('whiteboard-a', 'www1');
    await expect(run(world, options(world, { node: 'www9' }))).rejects.toThrow('node www9 does not exist');
    await world.cluster.cordon('www1');
    await expect(run(world, options(world))).rejects.toThrow('node www1 is already cordoned; uncordon it first (kubectl uncordon www1)');
  });

  test('GIVEN the operator presses Ctrl-C during a drain WHEN the drill stops THEN it says how to uncordon and leaves the node cordoned', async () => {
    const world = singletonWorld(100, 90);
    const abort = new AbortController();
    world.after(10, () => abort.abort());
    const err = await run(world, options(world, { signal: abort.signal })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DrillInterrupted);
    expect((err as Error).message).toBe('drill interrupted; node www1 is still cordoned: run `kubectl uncordon www1` when you are done looking');
    expect(world.calls).not.toContain('uncordon www1');
  });

  test('GIVEN Ctrl-C during a power-off drill WHEN it stops THEN it reminds to power the node on', async () => {
    const world = new FakeWorld();
    world.addPod('whiteboard-a', 'www1');
    const abort = new AbortController();
    world.after(4, () => abort.abort());
    await expect(run(world, options(world, { mode: 'power-off', signal: abort.signal }))).rejects.toThrow('drill interrupted; nothing to undo in the cluster; power node www1 on again if you powered it off');
  });

  test('GIVEN two replicas and no failing probe WHEN one is drained THEN downtime is 0 and the replacement is reported', async () => {
    const world = new FakeWorld();
    world.addPod('web-a', 'www1');
    world.addPod('web-b', 'www2');
    world.onEvicted = (pod) => {
      world.after(1, () => world.removePod(pod));
      world.after(6, () => world.addPod('web-c', 'www3'));
    };
    const r = await run(world, options(world, { app: 'web' }));
    expect(r).toMatchObject({ downtimeSeconds: 0, windows: [], rescheduleSeconds: 6, newNode: 'www3', exitCode: 0 });
  });
});
