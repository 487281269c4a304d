import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** Where a V8 CPU profile (`node --cpu-prof`) spent its time: the top frames by self time, then by package. */
export function summariseProfile(dir: string, top = 12): string {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) return '  (no profile written)';
  const p = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
    nodes: ProfileNode[];
    samples: number[];
    timeDeltas: number[];
  };
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const byFrame = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let total = 0;
  for (const n of p.nodes) {
    const us = self.get(n.id) ?? 0;
    total += us;
    const { functionName, url, lineNumber } = n.callFrame;
    const where = url.includes('node_modules/') ? url.split('node_modules/').pop()! : url.replace(/^.*\/dist\//, '');
    const frame = `${functionName || '(anonymous)'}${where ? ` ${where.split('/').slice(-2).join('/')}:${lineNumber + 1}` : ''}`;
    byFrame.set(frame, (byFrame.get(frame) ?? 0) + us);
    const pkg = url.includes('node_modules/')
      ? where
          .split('/')
          .slice(0, where.startsWith('@') ? 2 : 1)
          .join('/')
      : url.includes('/dist/')
        ? 'rectify'
        : url.startsWith('node:')
          ? 'node'
          : functionName;
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
  }
  const lines = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => `  ${((100 * us) / total).toFixed(1).padStart(5)} %  ${k}`);
  return [
    `  ${(total / 1e6).toFixed(1)} s of samples; by frame (self time):`,
    ...lines(byFrame),
    '  by package:',
    ...lines(byPackage),
  ].join('\n');
}
