import type { CpuProfile, CpuProfileNode } from '../analysis/cpu-profile.js';

/** The `perf script -F` fields the parser reads. */
export const PERF_SCRIPT_FIELDS = 'comm,tid,time,period,ip,sym,dso';

const HEADER = /^\S.*?\s+\d+\s+(\d+\.\d+):\s+(\d+)\s*$/;
const FRAME = /^\s+[0-9a-f]+\s+(.*?)\s+\((.*)\)\s*$/;

interface TrieNode {
  readonly id: number;
  readonly name: string;
  readonly dso: string;
  readonly children: Map<string, TrieNode>;
}

/**
 * Turns `perf script -F comm,tid,time,period,ip,sym,dso` output, fed line by line, into a V8-shaped
 * CPU profile, so every analysis, export and flame graph works on native processes too. Each sample
 * becomes one leaf of a tree of (symbol, shared object) frames; it lasts its `period` (nanoseconds of
 * CPU time at `cpu-clock`), so durations and shares are of on-CPU time: perf samples a process only
 * while it runs, and there is no idle time in the result. Memory is one node per distinct path and
 * one number pair per sample, never the text.
 */
export class PerfScriptParser {
  readonly #root: TrieNode = { id: 1, name: '(root)', dso: '', children: new Map() };
  #nextId = 2;
  readonly #samples: number[] = [];
  readonly #deltas: number[] = [];
  #firstTimeUs = NaN;
  #lastPeriodUs = 0;
  #frames: { name: string; dso: string }[] | null = null;
  #periodUs = 0;

  /** Samples read so far. */
  get sampleCount(): number {
    return this.#samples.length;
  }

  /** Feeds one line of `perf script` output (without its newline). */
  push(line: string): void {
    const h = HEADER.exec(line);
    if (h) {
      this.#endSample();
      const timeUs = Number(h[1]) * 1e6;
      if (Number.isNaN(this.#firstTimeUs)) this.#firstTimeUs = timeUs;
      this.#periodUs = Number(h[2]) / 1000;
      this.#frames = [];
      return;
    }
    if (this.#frames === null) return;
    if (line.trim() === '') {
      this.#endSample();
      return;
    }
    const f = FRAME.exec(line);
    if (f) this.#frames.push({ name: f[1] === '' ? '[unknown]' : f[1]!.replace(/\+0x[0-9a-f]+$/, ''), dso: f[2]! });
  }

  #endSample(): void {
    const frames = this.#frames;
    this.#frames = null;
    if (frames === null) return;
    let node = this.#root;
    // perf prints the innermost frame first.
    for (let i = frames.length - 1; i >= 0; i--) {
      const { name, dso } = frames[i]!;
      const key = `${name}\u0000${dso}`;
      let child = node.children.get(key);
      if (!child) {
        child = { id: this.#nextId++, name, dso, children: new Map() };
        node.children.set(key, child);
      }
      node = child;
    }
    this.#samples.push(node.id);
    this.#deltas.push(this.#samples.length === 1 ? 0 : this.#lastPeriodUs);
    this.#lastPeriodUs = this.#periodUs;
  }

  /** The profile of every sample read; `unknown` frames keep perf's `[unknown]` name. */
  finish(): CpuProfile {
    this.#endSample();
    const nodes: CpuProfileNode[] = [];
    const hits = new Map<number, number>();
    for (const s of this.#samples) hits.set(s, (hits.get(s) ?? 0) + 1);
    const stack: TrieNode[] = [this.#root];
    while (stack.length > 0) {
      const n = stack.pop()!;
      const children = [...n.children.values()];
      nodes.push({
        id: n.id,
        callFrame: { functionName: n.name, scriptId: '0', url: n.dso, lineNumber: -1, columnNumber: -1 },
        hitCount: hits.get(n.id) ?? 0,
        children: children.map((c) => c.id),
      });
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
    }
    const start = Number.isNaN(this.#firstTimeUs) ? 0 : Math.round(this.#firstTimeUs);
    const cpuTime = this.#deltas.reduce((a, b) => a + b, 0) + this.#lastPeriodUs;
    return { nodes, startTime: start, endTime: Math.round(start + cpuTime), samples: this.#samples, timeDeltas: this.#deltas };
  }
}
