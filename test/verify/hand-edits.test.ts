import * as fs from 'fs';
import * as path from 'path';
import { runVerifyCli } from '../../lib/cli';
import { tempRootWithOutputs } from '../helpers';
import { commandLine } from '../command-line';

/*
 * `npm run verify` on a committed render edited by hand, in the ways a fault sweep found passing
 * (session 26): each is now a finding naming the file, exit 1; the files are left as they are.
 */

const SERVICE = 'dist/workloads/whiteboard/service-whiteboard.yaml';
const POLICY = 'dist/workloads/whiteboard/networkpolicy-whiteboard-from-gateway.yaml';

let root: string;
beforeAll(() => {
  root = tempRootWithOutputs();
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** Runs verify on the temporary checkout with `file` holding `text` (put back after): its exit code and what it printed. */
function verifyWith(file: string, text: string | Buffer): { code: number; out: string } {
  const at = path.join(root, file);
  const before = fs.readFileSync(at);
  fs.writeFileSync(at, text);
  const lines: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.map(String).join(' ')));
  const error = jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void lines.push(a.map(String).join(' ')));
  try {
    const code = runVerifyCli(commandLine('verify', '--root', root));
    expect(fs.readFileSync(at).equals(Buffer.from(text))).toBe(true);
    return { code, out: lines.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
    fs.writeFileSync(at, before);
  }
}

test('GIVEN the committed render as synth wrote it THEN verify passes (the checks below fail only on the edits)', () => {
  expect(verifyWith(POLICY, fs.readFileSync(path.join(root, POLICY), 'utf8')).code).toBe(0);
});

test('GIVEN a manifest emptied by hand (its NetworkPolicy lost; nothing refers to it) THEN verify names the file: it holds no object', () => {
  const r = verifyWith(POLICY, '# emptied\n');
  expect(r.code).toBe(1);
  expect(r.out).toContain(`${POLICY}: holds no object; synth writes one object per file`);
});

test('GIVEN a second document appended to a manifest (an object synth does not render) THEN verify names the file: it holds 2 objects', () => {
  const text = `${fs.readFileSync(path.join(root, SERVICE), 'utf8')}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n  namespace: prod\ndata:\n  a: b\n`;
  const r = verifyWith(SERVICE, text);
  expect(r.code).toBe(1);
  expect(r.out).toContain(`${SERVICE}: holds 2 objects; synth writes one object per file, so 1 of them was added by hand`);
});

test('GIVEN a Service replaced by a kubectl export without status (managedFields, resourceVersion, uid, creationTimestamp) THEN verify refuses the server-owned fields', () => {
  const text = fs.readFileSync(path.join(root, SERVICE), 'utf8').replace(/^metadata:\n/m, 'metadata:\n  creationTimestamp: "2026-12-01T00:00:00Z"\n  resourceVersion: "4711"\n  uid: 0b0e7c52-1b2a-4c1e-9d1e-0d5b1c9f2a11\n  managedFields:\n    - manager: kubectl\n      operation: Update\n');
  expect(text).toContain('resourceVersion');
  const r = verifyWith(SERVICE, text);
  expect(r.code).toBe(1);
  expect(r.out).toMatch(/service-whiteboard\.yaml.*metadata\.managedFields, metadata\.resourceVersion, metadata\.uid, metadata\.creationTimestamp are set by the API server on a live object/);
});

test('GIVEN an annotation of 300,000 characters THEN verify refuses it: the API server takes at most 256 KiB of annotations', () => {
  const text = fs.readFileSync(path.join(root, SERVICE), 'utf8').replace(/^metadata:\n/m, `metadata:\n  annotations:\n    big: "${'x'.repeat(300_000)}"\n`);
  const r = verifyWith(SERVICE, text);
  expect(r.code).toBe(1);
  expect(r.out).toMatch(/metadata\.annotations hold 300003 bytes; the API server refuses more than 262144/);
});

test('GIVEN a manifest with a byte that is not UTF-8 (an editor saved it as Latin-1) THEN verify names the file (it read as U+FFFD and passed)', () => {
  const text = fs.readFileSync(path.join(root, SERVICE), 'utf8').replace(/^metadata:\n/m, 'metadata:\n  annotations:\n    owner: Andr\u00e9\n');
  const latin1 = Buffer.from(text, 'latin1');
  expect(latin1.includes(0xe9)).toBe(true);
  const r = verifyWith(SERVICE, latin1);
  expect(r.code).toBe(1);
  expect(r.out).toContain(`${SERVICE}: is not UTF-8 text`);
});

test('GIVEN a kubectl List in place of a manifest THEN the finding says what is missing and that a List wraps several objects, never "undefined"', () => {
  const text = `apiVersion: v1\nkind: List\nitems:\n${fs.readFileSync(path.join(root, SERVICE), 'utf8').replace(/^/gm, '  ').replace(/^ {2}apiVersion/m, '- apiVersion').replace(/\n {2}(?=\S)/g, '\n    ').replace(/^- apiVersion/m, '  - apiVersion')}`;
  const r = verifyWith(SERVICE, text);
  expect(r.code).toBe(1);
  expect(r.out).toContain('v1 List (no name)');
  expect(r.out).toContain('metadata.name is missing (each manifest is one object with apiVersion, kind and metadata.name; a kubectl List wraps several: write each item to a file of its own)');
  expect(r.out).not.toContain('undefined');
});

test('GIVEN a YAML merge key where the schema allows no such field THEN the finding names the field as written ("<<"), not percent-encoded', () => {
  const text = fs.readFileSync(path.join(root, SERVICE), 'utf8').replace(/^spec:\n/m, 'spec:\n  "<<": x\n');
  expect(text).toContain('"<<": x');
  const r = verifyWith(SERVICE, text);
  expect(r.code).toBe(1);
  expect(r.out).toContain('spec: unknown field "<<"');
  expect(r.out).not.toContain('%3C');
});

/** Runs verify on the temporary checkout with `file` also copied to `copy` (removed after): its exit code and what it printed. */
function verifyWithCopy(file: string, copy: string): { code: number; out: string } {
  fs.copyFileSync(path.join(root, file), path.join(root, copy));
  const lines: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.map(String).join(' ')));
  const error = jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void lines.push(a.map(String).join(' ')));
  try {
    return { code: runVerifyCli(commandLine('verify', '--root', root)), out: lines.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
    fs.rmSync(path.join(root, copy));
  }
}

test('GIVEN a manifest whose name holds a colon (as an RBAC object name does) THEN verify names the file: a Windows checkout cannot write it', () => {
  const renamed = 'dist/metallb/clusterrole-metallb:controller.yaml';
  const original = 'dist/metallb/clusterrole-metallb_controller.yaml';
  fs.renameSync(path.join(root, original), path.join(root, renamed));
  const lines: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.map(String).join(' ')));
  const error = jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void lines.push(a.map(String).join(' ')));
  try {
    expect(runVerifyCli(commandLine('verify', '--root', root))).toBe(1);
  } finally {
    log.mockRestore();
    error.mockRestore();
    fs.renameSync(path.join(root, renamed), path.join(root, original));
  }
  expect(lines.join('\n')).toContain(`${renamed}: its name holds a character a Windows checkout cannot write`);
});

test('GIVEN two manifests whose names differ only in case THEN verify names the second: a case-insensitive checkout keeps one', () => {
  const upper = 'dist/workloads/whiteboard/Service-whiteboard.yaml';
  const r = verifyWithCopy(SERVICE, upper);
  expect(r.code).toBe(1);
  expect(r.out).toMatch(new RegExp(`(${upper}: its name differs from ${SERVICE}|${SERVICE}: its name differs from ${upper}) only in case`));
});
