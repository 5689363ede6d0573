import * as fs from 'fs';
import * as path from 'path';
import { runWhatIfCli } from '../../lib/verify/whatif';
import { REPO, tempRootWithOutputs } from '../helpers';
import { commandLine, runCommandLine } from '../command-line';

/** Runs the CLI on the committed dist/, capturing what it prints. */
function run(args: string[], root: string = REPO): { code: number; out: string; err: string } {
  const out: string[] = [];
  const err: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((m: string) => { out.push(m); });
  const error = jest.spyOn(console, 'error').mockImplementation((m: string) => { err.push(m); });
  try {
    return { code: runWhatIfCli(commandLine('whatif', ...args), root), out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

describe('npm run whatif', () => {
  test('GIVEN one agent WHEN it fails THEN a table with before, after, outage and why, and exit 0', () => {
    const r = run(['--fail', 'www2']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Losing www2 (agent)');
    expect(r.out).toMatch(/workload +before +after +outage s +why/);
    expect(r.out).toMatch(/jenkins\/jenkins \(StatefulSet\) \[singleton\] +1 +1 +242 +on www2; back after eviction 42 s/);
    expect(r.out).toContain('no outage; every singleton recovers within its budget');
  });

  test('GIVEN two of three servers WHEN they fail together THEN quorum is lost and it exits 1 (a finding)', () => {
    const r = run(['--fail', 'db1,db2']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('etcd loses quorum: 1 of 3 servers left (needs 2)');
  });

  test('GIVEN two servers lost (no quorum: nothing comes back) WHEN the report says what stops THEN it reads as English: "unavailable until a lost node returns" (it said "unavailable never s"), and "db1, db2 are down"', () => {
    const r = run(['--fail', 'db1,db2']);
    expect(r.out).not.toContain('never s');
    expect(r.out).toContain('cluster DNS (kube-system/coredns): 3 before, 1 after, 1 serving throughout, unavailable until a lost node returns');
    expect(r.out).toContain('(db1, db2 are down but still registered)');
    expect(r.out).not.toContain('db2 is down');
  });

  test('GIVEN an unknown node or option THEN it exits 2 (a usage error) and names the nodes', async () => {
    expect(run(['--fail', 'www9'])).toMatchObject({ code: 2, err: expect.stringContaining('unknown node "www9" (nodes: db1, db2, db3, subord, www1, www2, www3)') });
    const err: string[] = [];
    expect(await runCommandLine('whatif', ['--fial', 'www1'], (line) => runWhatIfCli(line, REPO), (line) => err.push(line))).toBe(2);
    expect(err).toEqual(["whatif: unknown option '--fial' (Did you mean --fail?) (tsys whatif --help shows the usage)"]);
  });

  test('GIVEN no --fail WHEN run THEN every node is lost in turn', () => {
    const r = run([]);
    expect(r.code).toBe(0);
    expect(r.out.match(/^Losing /gm)).toHaveLength(7);
  });

  test('GIVEN a rendered manifest that is not valid YAML WHEN whatif runs THEN it names the file and what to do, prints no table (its workload would be missing) and exits 1', () => {
    const root = tempRootWithOutputs();
    try {
      fs.writeFileSync(path.join(root, 'dist/workloads/whiteboard/deployment-whiteboard.yaml'), 'spec: [\n');
      const r = run(['--fail', 'www1'], root);
      expect(r.code).toBe(1);
      expect(r.out).toBe('');
      expect(r.err).toContain('whatif: dist/workloads/whiteboard/deployment-whiteboard.yaml: YAML: ');
      expect(r.err).toContain('run npm run synth to render dist/ and argocd/ again (or restore them from git), then run this again');
      expect(r.err).not.toMatch(/\n\s+at /);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
