import * as path from 'path';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'worker_threads';
import { availableCores } from '../render/listing-worker';
import type { HaModel, HaObject } from './model';
import type { SimulationReply } from './simulation-serve';

/**
 * The N-1 simulation and the failure report on the other core. Synth starts the worker early
 * (it loads its code while the main thread builds), sends it the HA model once the render made it
 * (`request`), and goes on (the temporary folder is written meanwhile); it takes the answer when it
 * first needs it (`reply`: the report's text, or verify). An optimisation only: the answer is the
 * same text and the same results the main thread computes (./simulation-serve.ts runs the same
 * functions), and when the worker cannot start, fails, or takes too long, the main thread
 * simulates as without it.
 */

/** The repository root (bin/bundle.js, node_modules). */
const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** How long the main thread waits for the worker's answer before it simulates itself (ms). */
export const SIMULATION_TIMEOUT_MS = 120_000;

/**
 * The worker's bootstrap: the worker side (./simulation-serve.ts) loaded as the command line loads
 * its code (bin/bundle.js: a bundle with its V8 code cache when one is current or can be built, else
 * the sources through tsx), then served. A failure to load is answered as an error.
 */
const WORKER_SOURCE = `
const { workerData } = require('worker_threads');
const { port, flag, bundle, entry, cacheDir } = workerData;
const fail = (e) => {
  port.postMessage({ error: 'the simulation worker could not load: ' + String((e && e.message) || e) });
  port.close();
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
};
try {
  require(bundle).startEntry(entry, cacheDir, 'simulation').then((loaded) => {
    // The bundle's code cache is written (when there was none) before the answer: the main thread
    // stops the worker once answered, which would leave a half-written file.
    loaded.exports.serve(port, flag, () => loaded.saveCodeCache());
  }, fail);
} catch (e) {
  fail(e);
}
`;

/**
 * A copy of `model` with only what the simulation and the report read (./analysis.ts
 * `analysisKey` names it): each workload without its pod template and labels, and each object a
 * result is reported on (`origin`) as its file, API version, kind, name and namespace (one copy per
 * object: they are told apart by identity). Sent to the worker: copying the documents themselves
 * would cost the main thread most of what the worker saves it.
 */
export function lightModel(model: HaModel): HaModel {
  const stubs = new Map<HaObject, HaObject>();
  const stub = (o: HaObject): HaObject => {
    let s = stubs.get(o);
    if (!s) {
      const meta = o.obj.metadata as { name?: unknown; namespace?: unknown } | undefined;
      s = { file: o.file, obj: { apiVersion: o.obj.apiVersion, kind: o.obj.kind, metadata: { name: meta?.name, namespace: meta?.namespace } } as HaObject['obj'] };
      stubs.set(o, s);
    }
    return s;
  };
  const cluster = model.cluster;
  const storage = cluster?.storage;
  return {
    ...(cluster ? { cluster: { ...cluster, ...(storage ? { storage: { ...storage, origin: stub(storage.origin) } } : {}) } } : {}),
    workloads: model.workloads.map((w) => {
      const { podSpec: _spec, podLabels: _labels, ...rest } = w;
      void _spec; void _labels;
      return { ...rest, origin: stub(w.origin) };
    }),
    applications: model.applications.map((a) => ({ ...a, origin: stub(a.origin) })),
    daemonSetHealth: model.daemonSetHealth,
    healthCustomisations: model.healthCustomisations,
    otherPods: model.otherPods.map((p) => ({ ...p, origin: stub(p.origin) })),
    problems: [],
  };
}

/** A simulation worker of one synth: started, asked once, answered once. */
export class SimulationWorker {
  private answer?: SimulationReply;
  private asked = false;

  private constructor(private readonly worker: Worker, private readonly port: MessagePort, private readonly flag: Int32Array, private readonly timeoutMs: number) {}

  /**
   * A worker loading its code, or undefined with one core (`cores`: it would only take turns with
   * the main thread) or when it cannot start.
   */
  public static start(options: { readonly cores?: number; readonly timeoutMs?: number } = {}): SimulationWorker | undefined {
    if ((options.cores ?? availableCores()) < 2) return undefined;
    try {
      const flag = new Int32Array(new SharedArrayBuffer(4));
      const channel = new MessageChannel();
      const workerData = {
        port: channel.port2,
        flag,
        bundle: path.join(REPO_ROOT, 'bin', 'bundle.js'),
        entry: path.join(__dirname, 'simulation-serve.ts'),
        cacheDir: path.join(REPO_ROOT, 'node_modules', '.cache', 'tsys-bundle'),
      };
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData, transferList: [channel.port2] });
      // Never keeps the process alive; an error it raises is the fallback's case.
      worker.unref();
      worker.on('error', () => undefined);
      return new SimulationWorker(worker, channel.port1, flag, options.timeoutMs ?? SIMULATION_TIMEOUT_MS);
    } catch {
      return undefined;
    }
  }

  /** Sends `model` (its `lightModel`) to be analysed; false when it could not be sent (it was asked already, or the copy failed). */
  public request(model: HaModel): boolean {
    if (this.asked) return false;
    this.asked = true;
    try {
      this.port.postMessage({ model: lightModel(model) });
      return true;
    } catch {
      this.answer = { error: 'the model could not be sent' };
      return false;
    }
  }

  /**
   * The worker's answer to `request` (blocking until it comes, at most the timeout): the report and
   * the encoded violations, or undefined when the worker gave none (the caller simulates itself).
   */
  public reply(): { readonly report: string; readonly violations: string } | undefined {
    if (!this.asked) return undefined;
    if (this.answer === undefined) {
      const waited = Atomics.wait(this.flag, 0, 0, this.timeoutMs);
      const message = receiveMessageOnPort(this.port)?.message as SimulationReply | undefined;
      this.answer = message ?? { error: waited === 'timed-out' ? 'timed out' : 'no answer' };
      this.close();
    }
    return 'error' in this.answer ? undefined : this.answer;
  }

  /** Stops the worker (synth is done with it). */
  public close(): void {
    try {
      this.port.close();
    } catch {
      // Closed already.
    }
    void this.worker.terminate();
  }
}
