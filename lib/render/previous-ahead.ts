import * as path from 'path';
import { MessageChannel, receiveMessageOnPort, Worker } from 'worker_threads';
import { COMPARED_OUTPUTS, readPreviousRender } from './previous';
import type { RenderedFile } from './rendered-file';
import type { EarlierText } from './text-index';

/**
 * The reader a worker thread runs (plain JavaScript, so that it runs the same under tsx, jest and
 * compiled code): the files `readPreviousRender` reads, in its order (lib/k8s/walk.ts `listFiles`:
 * name by name in each folder, by `localeCompare`; a plain file only, by `lstat`), as their paths,
 * executable bits and bytes, posted on `port` with the bytes' buffer moved (not copied); then it
 * sets `flag` and wakes the thread waiting on it; with each file's sha256 (of its bytes), which the
 * waiting thread need not compute. A failure posts its message instead.
 */
const READER = `
const { workerData } = require('worker_threads');
const { createHash } = require('crypto');
const fs = require('fs');
const path = require('path');
const { root, folders, port, flag } = workerData;
const list = (dir, prefix, out) => {
  if (!fs.existsSync(dir)) return;
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.isDirectory()) list(path.join(dir, e.name), prefix + e.name + '/', out);
    else out.push(prefix + e.name);
  }
};
try {
  const paths = [];
  const executable = [];
  const digests = [];
  const chunks = [];
  for (const dir of folders) {
    const files = [];
    list(path.join(root, dir), dir + '/', files);
    for (const file of files) {
      const full = path.join(root, file);
      const stat = fs.lstatSync(full);
      if (!stat.isFile()) continue;
      const bytes = fs.readFileSync(full);
      chunks.push(bytes);
      digests.push(createHash('sha256').update(bytes).digest('hex'));
      paths.push(file);
      executable.push((stat.mode & 0o100) !== 0);
    }
  }
  const ends = new Float64Array(chunks.length);
  let size = 0;
  chunks.forEach((c, i) => { size += c.length; ends[i] = size; });
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) { bytes.set(c, at); at += c.length; }
  port.postMessage({ paths, executable, digests, ends, bytes }, [bytes.buffer, ends.buffer]);
} catch (e) {
  port.postMessage({ error: String((e && e.message) || e) });
}
const done = new Int32Array(flag);
Atomics.store(done, 0, 1);
Atomics.notify(done, 0);
`;

/** What the reader posts. */
interface ReaderMessage {
  readonly paths?: string[];
  readonly executable?: boolean[];
  readonly digests?: string[];
  readonly ends?: Float64Array;
  readonly bytes?: Uint8Array;
  readonly error?: string;
}

/** How long the caller waits for the reader before it reads the files itself. */
const WAIT_MS = 30_000;

/** The previous render as `readPreviousRenderAhead` gives it, once the worker is done (the first call waits for it). */
export interface PreviousRenderAhead {
  /** The files, as `readPreviousRender` reads them. */
  readonly files: () => RenderedFile[];
  /** The text of one of them, with the sha256 of its bytes when the worker read it (for `EarlierRender`); undefined when it is not one of them. */
  readonly text: (path: string) => EarlierText | string | undefined;
}

/**
 * Starts reading the previous render on disk (`readPreviousRender`: the same files, in the same
 * order, with the same texts) in a worker thread, while the caller goes on (synth loads its inputs
 * and builds the platform meanwhile: the reads cost it no time on a machine with a second core).
 * The first call of either accessor waits for the worker, and reads the files in this thread
 * instead when the worker cannot be started, fails or does not answer in time. The caller holds the
 * output lock until it has them, so the worker reads what it would have read itself.
 */
export function readPreviousRenderAhead(root: string, folders: readonly string[] = COMPARED_OUTPUTS): PreviousRenderAhead {
  let read: { files: RenderedFile[]; digests?: readonly string[] } | undefined;
  let wait: (() => { files: RenderedFile[]; digests: readonly string[] } | undefined) | undefined;
  try {
    const { port1, port2 } = new MessageChannel();
    const flag = new SharedArrayBuffer(4);
    const worker = new Worker(READER, { eval: true, workerData: { root: path.resolve(root), folders: [...folders], port: port2, flag }, transferList: [port2], stdout: true, stderr: true });
    worker.unref();
    // An error of the worker itself (it could not start): the files are read here instead.
    worker.on('error', () => undefined);
    wait = () => {
      const woke = Atomics.wait(new Int32Array(flag), 0, 0, WAIT_MS);
      const received = woke === 'timed-out' ? undefined : receiveMessageOnPort(port1);
      port1.close();
      if (woke === 'timed-out') void worker.terminate();
      const message = received?.message as ReaderMessage | undefined;
      if (!message?.paths || !message.executable || !message.digests || !message.ends || !message.bytes) return undefined;
      const bytes = Buffer.from(message.bytes.buffer, message.bytes.byteOffset, message.bytes.byteLength);
      const { paths, executable, ends } = message;
      const files = paths.map((file, i) => ({ path: file, content: bytes.toString('utf8', i ? ends[i - 1] : 0, ends[i]), ...(executable[i] ? { executable: true } : {}) }));
      return { files, digests: message.digests };
    };
  } catch {
    wait = undefined;
  }
  const done = () => (read ??= wait?.() ?? { files: readPreviousRender(root, folders) });
  let byPath: Map<string, number> | undefined;
  return {
    files: () => done().files,
    text: (file) => {
      const { files, digests } = done();
      const i = (byPath ??= new Map(files.map((f, n) => [f.path, n]))).get(file);
      if (i === undefined) return undefined;
      return digests ? { text: files[i].content, bytesDigest: digests[i] } : files[i].content;
    },
  };
}
