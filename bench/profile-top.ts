/** `node dist-bench/bench/profile-top.js <file.cpuprofile> [N]`: the N functions with the most self time. */
import fs from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export function topFunctions(file: string, n = 25): string[] {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  let total = 0;
  let idle = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const frame = nodes.get(id)?.callFrame;
    if (!frame) return;
    total += dt;
    if (frame.functionName === '(idle)') idle += dt;
    const where = frame.url ? frame.url.split('/').slice(-2).join('/') : '';
    const key = `${frame.functionName || '(anonymous)'} ${where}:${frame.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + dt);
  });
  const busy = total - idle;
  return [
    `busy ${(busy / 1000).toFixed(0)} ms of ${(total / 1000).toFixed(0)} ms sampled; self time as % of busy:`,
    ...[...self]
      .filter(([key]) => !key.startsWith('(idle)'))
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([key, t]) => `${((t / busy) * 100).toFixed(1).padStart(5)}%  ${key}`),
  ];
}

if (process.argv[1]?.endsWith('profile-top.js') && process.argv[2]) {
  process.stdout.write(topFunctions(process.argv[2], Number(process.argv[3] ?? 25)).join('\n') + '\n');
}
