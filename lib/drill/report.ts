import type { DrillReport } from './drill';

const s = (n: number | undefined) => (n === undefined ? '-' : `${n} s`);

/** The drill's result as the lines the command prints. */
export function formatDrillReport(r: DrillReport): string {
  const lines = [
    `drill report: ${r.app}, node ${r.node} ${r.mode === 'drain' ? 'drained' : 'powered off'}`,
    `  came back:          ${r.cameBack ? `yes, on ${r.newNode} (${r.newPod})` : 'NO'}`,
    `  downtime:           ${r.downtimeSeconds === undefined ? 'not over' : s(r.downtimeSeconds)} (first failing probe of ${r.url} to the first success after)`,
  ];
  for (const w of r.windows) lines.push(`    failing +${w.fromSeconds} s to ${w.toSeconds === undefined ? 'the end' : `+${w.toSeconds} s`}: ${w.error}`);
  if (r.mode === 'power-off') lines.push(`  node NotReady:      ${r.nodeNotReadySeconds === undefined ? 'never seen' : `after ${r.nodeNotReadySeconds} s`}`);
  lines.push(`  time to reschedule: ${s(r.rescheduleSeconds)} (failure to a new Ready pod on another node)`);
  lines.push(`  new node:           ${r.newNode ?? '-'}`);
  lines.push(`  data survived:      ${r.dataSurvived === undefined ? 'not compared' : r.dataSurvived ? 'yes' : 'NO'} (${r.marker})`);
  if (r.expected) {
    const d = r.downtimeSeconds;
    const verdict = d === undefined ? '' : d <= r.expected.seconds ? `; measured ${d} s, within it` : `; measured ${d} s, EXCEEDED`;
    lines.push(`  expected recovery:  at most ${r.expected.seconds} s (${r.expected.explanation})${verdict}`);
  } else {
    lines.push('  expected recovery:  unknown (no rendered workload settings found for this app)');
  }
  for (const e of r.evictionRefusals) lines.push(`  ${e}`);
  if (r.uncordoned) lines.push(`  node ${r.node} uncordoned`);
  for (const p of r.problems) lines.push(`  problem: ${p}`);
  lines.push(`  result:             ${r.exitCode === 0 ? 'PASS' : 'FAIL'}`);
  return lines.join('\n');
}
