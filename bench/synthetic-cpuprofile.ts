import { closeSync, openSync, writeSync } from 'node:fs';

/** Shape of a generated profile: what it holds, for the bench's notes. */
export interface SyntheticProfileStats {
  readonly bytes: number;
  readonly nodes: number;
  readonly samples: number;
  readonly maxDepth: number;
  readonly functions: number;
}

/** Deterministic PRNG (mulberry32) so every run profiles the same file. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Fn {
  readonly name: string;
  readonly url: string;
  readonly line: number;
  readonly column: number;
  readonly scriptId: string;
}

const VERBS = ['parse', 'handle', 'process', 'validate', 'emit', 'read', 'write', 'encode', 'decode', 'resolve', 'dispatch', 'compute', 'serialize', 'flush', 'schedule'] as const;
const NOUNS = ['Order', 'Message', 'Frame', 'Token', 'Query', 'Row', 'Buffer', 'Header', 'Request', 'Payload', 'Metric', 'Span', 'Batch', 'Chunk', 'Event'] as const;
const DIRS = ['file:///app/src/orders', 'file:///app/src/bus', 'file:///app/node_modules/pg/lib', 'file:///app/node_modules/@nats-io/nats-core/lib', 'node:internal/streams', 'node:internal/process', 'file:///app/src/agents'] as const;

function makeFunctions(count: number, rand: () => number): Fn[] {
  const fns: Fn[] = [];
  for (let i = 0; i < count; i++) {
    const dir = DIRS[Math.floor(rand() * DIRS.length)]!;
    const anonymous = rand() < 0.08;
    const name = anonymous
      ? ''
      : `${VERBS[Math.floor(rand() * VERBS.length)]!}${NOUNS[Math.floor(rand() * NOUNS.length)]!}${i}`;
    fns.push({
      name,
      url: `${dir}/module-${i % 400}.js`,
      line: Math.floor(rand() * 2000),
      column: Math.floor(rand() * 80),
      scriptId: String(100 + (i % 400)),
    });
  }
  return fns;
}

/** A buffered writer: the file is written in 1 MiB chunks so generation never holds it whole. */
class ChunkWriter {
  private parts: string[] = [];
  private size = 0;
  bytes = 0;
  constructor(private readonly fd: number) {}
  write(s: string): void {
    this.parts.push(s);
    this.size += s.length;
    if (this.size >= 1 << 20) this.flush();
  }
  flush(): void {
    const text = this.parts.join('');
    this.bytes += writeSync(this.fd, text);
    this.parts = [];
    this.size = 0;
  }
}

/**
 * Writes a `.cpuprofile` of about `targetBytes` to `path`: a deep and wide call tree drawn from a pool
 * of functions (recursion included), about 60% of the bytes in nodes and 40% in samples/timeDeltas,
 * with jittered 1 ms sampling and a few negative deltas as V8 produces.
 */
export function writeSyntheticCpuProfile(path: string, targetBytes: number, seed = 42): SyntheticProfileStats {
  const rand = prng(seed);
  const fns = makeFunctions(6000, rand);
  const nodeBudget = Math.max(10, Math.floor((targetBytes * 0.6) / 180));
  const sampleBudget = Math.max(10, Math.floor((targetBytes * 0.4) / 11.4));
  const depth = new Int32Array(nodeBudget + 1);
  const fnOf = new Int32Array(nodeBudget + 1);
  const children: number[][] = [[]];
  // Node ids start at 1 (the root), as V8 numbers them.
  let count = 1;
  const addNode = (p: number, fn: number): number => {
    count++;
    depth[count] = depth[p]! + 1;
    fnOf[count] = fn;
    children[count - 1] = [];
    children[p - 1]!.push(count);
    return count;
  };
  const program = addNode(1, -1);
  const gc = addNode(1, -2);
  const idle = addNode(1, -3);
  // The tree unrolls a call graph (each function calls a few fixed callees, some recursively) level
  // by level, holding the frontier near a target width so that it reaches the depth of real
  // server stacks (several dozen frames) within the node budget.
  const callees = fns.map((_, i) => {
    const n = 1 + Math.floor(rand() * 5);
    return Array.from({ length: n }, () => (rand() < 0.04 ? i : Math.floor(rand() * fns.length)));
  });
  const targetWidth = Math.max(4, Math.floor(nodeBudget / 80));
  let maxDepth = 1;
  // Each wave is a group of entry points (timers, sockets, ...); a new one starts when one dies out.
  while (count < nodeBudget) {
    let frontier: number[] = [];
    for (let i = 0; i < 20 && count < nodeBudget; i++) frontier.push(addNode(1, Math.floor(rand() * fns.length)));
    while (frontier.length > 0 && count < nodeBudget) {
      const meanKids = frontier.length < targetWidth ? 1.3 : 0.97;
      const next: number[] = [];
      for (const at of frontier) {
        const options = callees[fnOf[at]!]!;
        for (let kids = Math.floor(meanKids + rand()); kids > 0 && count < nodeBudget; kids--) {
          next.push(addNode(at, options[Math.floor(rand() * options.length)]!));
        }
      }
      if (next.length > 0) maxDepth = Math.max(maxDepth, depth[next[0]!]!);
      frontier = next;
    }
  }

  // Samples land mostly on deep frames, a few on (program)/(idle)/(garbage collector).
  const sampleIds = new Int32Array(sampleBudget);
  const deltas = new Int32Array(sampleBudget);
  const hits = new Int32Array(count + 1);
  const startTime = 1_000_000_000;
  let endTime = startTime;
  for (let i = 0; i < sampleBudget; i++) {
    const r = rand();
    const id = r < 0.03 ? program : r < 0.05 ? gc : r < 0.06 ? idle : 5 + Math.floor(Math.pow(rand(), 3) * (count - 4));
    sampleIds[i] = id;
    hits[id]!++;
    deltas[i] = rand() < 0.001 ? -Math.floor(rand() * 50) : 950 + Math.floor(rand() * 150);
    endTime += deltas[i]!;
  }

  const fd = openSync(path, 'w');
  const out = new ChunkWriter(fd);
  try {
    out.write('{"nodes":[');
    for (let id = 1; id <= count; id++) {
      const frame = metaFrame(id, program, gc, idle) ?? fns[fnOf[id]!]!;
      const kids = children[id - 1]!;
      out.write(
        `${id > 1 ? ',' : ''}{"id":${id},"callFrame":{"functionName":${JSON.stringify(frame.name)},"scriptId":"${frame.scriptId}","url":${JSON.stringify(frame.url)},"lineNumber":${frame.line},"columnNumber":${frame.column}},"hitCount":${hits[id]!}${kids.length > 0 ? `,"children":[${kids.join(',')}]` : ''}}`,
      );
    }
    out.write(`],"startTime":${startTime},"endTime":${endTime},"samples":[`);
    writeInts(out, sampleIds);
    out.write('],"timeDeltas":[');
    writeInts(out, deltas);
    out.write(']}');
    out.flush();
    return { bytes: out.bytes, nodes: count, samples: sampleBudget, maxDepth, functions: fns.length };
  } finally {
    closeSync(fd);
  }
}

function writeInts(out: ChunkWriter, values: Int32Array): void {
  for (let i = 0; i < values.length; i += 10000) {
    out.write((i > 0 ? ',' : '') + Array.from(values.subarray(i, i + 10000)).join(','));
  }
}

function metaFrame(id: number, program: number, gc: number, idle: number): Fn | undefined {
  const name =
    id === 1 ? '(root)' : id === program ? '(program)' : id === gc ? '(garbage collector)' : id === idle ? '(idle)' : undefined;
  return name === undefined ? undefined : { name, url: '', line: -1, column: -1, scriptId: '0' };
}
