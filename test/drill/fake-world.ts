import type { Clock } from '../../lib/drill/clock';
import type { Cluster, EvictionResult, NodeInfo, PodInfo } from '../../lib/drill/cluster';
import { DrillError } from '../../lib/drill/drill-error';
import type { Prober, ProbeResult } from '../../lib/drill/prober';

/**
 * A fake cluster, clock and app for drill tests: time moves only when the drill sleeps, and
 * scheduled changes (a pod moving, the app answering again) happen at given seconds.
 */
export class FakeWorld {
  public t = 0;
  public readonly calls: string[] = [];
  public pods: PodInfo[] = [];
  public nodes = new Map<string, NodeInfo>();
  /** The app answers its URL. */
  public up = true;
  /** What /download/<board> serves. */
  public board = '{"drawing":[1,2,3]}';
  /** Answer to each eviction; default evicted. */
  public evictionAnswer: (pod: string) => EvictionResult = () => ({ outcome: 'evicted' });
  /** Called after each eviction that succeeded. */
  public onEvicted: (pod: string) => void = () => undefined;
  private events: { at: number; fn: () => void }[] = [];

  constructor(nodes: string[] = ['www1', 'www2', 'www3']) {
    for (const n of nodes) this.nodes.set(n, { name: n, ready: 'True', unschedulable: false });
  }

  /** Runs `fn` when the clock reaches `seconds` from now. */
  public after(seconds: number, fn: () => void): void {
    this.events.push({ at: this.t + seconds * 1000, fn });
    this.events.sort((a, b) => a.at - b.at);
  }

  public addPod(name: string, nodeName: string, ready = true): void {
    this.pods.push({ name, namespace: 'prod', nodeName, phase: 'Running', ready, terminating: false });
  }

  public removePod(name: string): void {
    this.pods = this.pods.filter((p) => p.name !== name);
  }

  public readonly clock: Clock = {
    now: () => this.t,
    sleep: async (ms) => {
      const until = this.t + ms;
      while (this.events.length && this.events[0].at <= until) {
        const e = this.events.shift()!;
        this.t = e.at;
        e.fn();
      }
      this.t = until;
    },
  };

  public readonly cluster: Cluster = {
    listPods: async (namespace, selector) => {
      this.calls.push(`listPods ${namespace} ${selector}`);
      return this.pods.filter((p) => p.namespace === namespace).map((p) => ({ ...p }));
    },
    getNode: async (name) => {
      const n = this.nodes.get(name);
      if (!n) throw new DrillError(`node ${name} does not exist`);
      return { ...n };
    },
    cordon: async (node) => {
      this.calls.push(`cordon ${node}`);
      this.nodes.set(node, { ...this.nodes.get(node)!, unschedulable: true });
    },
    uncordon: async (node) => {
      this.calls.push(`uncordon ${node}`);
      this.nodes.set(node, { ...this.nodes.get(node)!, unschedulable: false });
    },
    evict: async (namespace, pod) => {
      this.calls.push(`evict ${namespace}/${pod}`);
      const answer = this.evictionAnswer(pod);
      if (answer.outcome === 'evicted') {
        this.pods = this.pods.map((p) => (p.name === pod ? { ...p, terminating: true, ready: false } : p));
        this.onEvicted(pod);
      }
      return answer;
    },
  };

  public readonly prober: Prober = {
    get: async (url): Promise<ProbeResult> => {
      if (!this.up) return { ok: false, error: 'HTTP 503', status: 503 };
      if (url.includes('/download/')) return { ok: true, status: 200, body: this.board };
      return { ok: true, status: 302, body: '' };
    },
  };

  /** Marks a node NotReady (as the node controller does for a silent node). */
  public nodeDown(name: string): void {
    this.nodes.set(name, { ...this.nodes.get(name)!, ready: 'Unknown' });
  }
}

/**
 * www1 powered off under the whiteboard (drill tests and docs/operations.md's drill sample): its pod
 * on www1; the app fails from +3 s, www1 goes NotReady at +20 s, and a new pod answers on www2 at +60 s.
 */
export function poweredOffWorld(): FakeWorld {
  const world = new FakeWorld();
  world.addPod('whiteboard-a', 'www1');
  world.after(3, () => {
    world.up = false;
  });
  world.after(20, () => world.nodeDown('www1'));
  world.after(60, () => {
    world.pods = [];
    world.addPod('whiteboard-b', 'www2');
    world.up = true;
  });
  return world;
}
