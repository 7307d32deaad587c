import { indexCpuParts, type CpuProfileIndex } from './cpu-profile.js';
import { IntList, JsonScanner, NumberList } from './json-scanner.js';
import { ProfileFormatError } from './profile-format-error.js';
import type { CallFrame } from './profile-tree.js';

/**
 * Reads the bytes of a `.cpuprofile` straight into a CpuProfileIndex, without `JSON.parse`: nodes,
 * samples and deltas go into typed arrays and call frames are deduplicated as they are read, so a
 * 100 MB profile costs a fraction of the memory of its object graph. Accepts the same documents as
 * `indexCpuProfile(JSON.parse(text))` and yields the same index; throws ProfileFormatError.
 */
export function readCpuProfile(bytes: Uint8Array): CpuProfileIndex {
  const s = new JsonScanner(bytes);
  const ids = new IntList();
  const nodeFrame = new IntList();
  const hitCount = new NumberList();
  const childStart = new IntList();
  const childIds = new IntList();
  const parentOf: [number, number][] = [];
  const sampleIds = new IntList(1 << 16);
  const timeDeltas = new NumberList(1 << 16);
  const frames = new FrameTable(s);
  let startTime: number | undefined;
  let endTime: number | undefined;
  let sawNodes = false;
  childStart.push(0);

  const readNode = (): void => {
    let id: number | undefined;
    let frame = -1;
    let hits = 0;
    s.object((key) => {
      if (key === 'id') id = s.number();
      else if (key === 'callFrame') frame = frames.read();
      else if (key === 'hitCount') hits = s.number();
      else if (key === 'children') s.array(() => childIds.push(s.number()));
      else if (key === 'parent') parentOf.push([s.number(), ids.length]);
      else s.skip();
    });
    if (id === undefined) throw new ProfileFormatError(`nodes[${ids.length}] has no id`);
    if (frame < 0) throw new ProfileFormatError(`nodes[${ids.length}] has no callFrame object`);
    ids.push(id);
    nodeFrame.push(frame);
    hitCount.push(hits);
    childStart.push(childIds.length);
  };

  if (s.peek() !== 0x7b) throw new ProfileFormatError('not a CPU profile: the file is not a JSON object');
  s.object((key) => {
    if (key === 'nodes') {
      sawNodes = true;
      s.array(readNode);
    } else if (key === 'head') {
      throw new ProfileFormatError('not a CPU profile: it has a "head" node (a heap profile?)');
    } else if (key === 'samples') {
      s.array(() => {
        if (s.peek() === 0x7b) throw new ProfileFormatError('not a CPU profile: samples are objects (a heap profile?)');
        sampleIds.push(s.number());
      });
    }
    else if (key === 'timeDeltas') s.array(() => timeDeltas.push(s.number()));
    else if (key === 'startTime') startTime = s.number();
    else if (key === 'endTime') endTime = s.number();
    else s.skip();
  });
  s.end();
  if (!sawNodes) throw new ProfileFormatError('not a CPU profile: no "nodes" array');
  if (startTime === undefined || endTime === undefined) throw new ProfileFormatError('startTime is not a number');
  const links =
    parentOf.length > 0
      ? mergeParents(ids.view(), childStart.view(), childIds.view(), parentOf)
      : { starts: childStart.view(), children: childIds.view() };
  return indexCpuParts({
    ids: ids.view(),
    frames: frames.frames,
    nodeFrame: nodeFrame.view(),
    hitCount: hitCount.view(),
    childStart: links.starts,
    childIds: links.children,
    sampleIds: sampleIds.view(),
    timeDeltas: timeDeltas.view(),
    startTime,
    endTime,
  });
}

/**
 * Call frames deduplicated on their bytes: a frame's JSON text is hashed and compared with the
 * frames already seen, and decoded only the first time, so repeated frames allocate nothing.
 */
class FrameTable {
  readonly frames: CallFrame[] = [];
  private readonly spans: { start: number; length: number }[] = [];
  private readonly byHash = new Map<number, number[]>();
  constructor(private readonly s: JsonScanner) {}

  /** Reads the callFrame object under the scanner and returns its frame index. */
  read(): number {
    const s = this.s;
    s.peek();
    const start = s.pos;
    s.skip();
    const length = s.pos - start;
    const hash = s.hashRange(start, s.pos);
    const candidates = this.byHash.get(hash);
    if (candidates) {
      for (const fi of candidates) {
        const span = this.spans[fi]!;
        if (span.length === length && s.sameSpan(span.start, start, length)) return fi;
      }
    }
    const end = s.pos;
    s.pos = start;
    const frame = readCallFrame(s);
    s.pos = end;
    const fi = this.frames.length;
    this.frames.push(frame);
    this.spans.push({ start, length });
    if (candidates) candidates.push(fi);
    else this.byHash.set(hash, [fi]);
    return fi;
  }
}

function readCallFrame(s: JsonScanner): CallFrame {
  let functionName: string | undefined;
  let url: string | undefined;
  let scriptId = '0';
  let lineNumber = -1;
  let columnNumber = -1;
  s.object((key) => {
    if (key === 'functionName') functionName = s.string();
    else if (key === 'url') url = s.string();
    else if (key === 'scriptId') scriptId = s.peek() === 0x22 ? s.string() : String(s.number());
    else if (key === 'lineNumber') lineNumber = s.number();
    else if (key === 'columnNumber') columnNumber = s.number();
    else s.skip();
  });
  if (functionName === undefined || url === undefined) {
    throw new ProfileFormatError('callFrame lacks functionName/url/scriptId strings');
  }
  return { functionName, scriptId, url, lineNumber, columnNumber };
}

/** Trace-style nodes name their parent: fold those links into the child lists. */
function mergeParents(
  ids: Int32Array,
  childStart: Int32Array,
  childIds: Int32Array,
  parentOf: readonly [number, number][],
): { starts: Int32Array; children: Int32Array } {
  const position = new Map<number, number>();
  ids.forEach((id, i) => position.set(id, i));
  const kids: number[][] = [];
  for (let i = 0; i < ids.length; i++) kids.push(Array.from(childIds.subarray(childStart[i]!, childStart[i + 1]!)));
  for (const [parentId, child] of parentOf) {
    const at = position.get(parentId);
    if (at === undefined) throw new ProfileFormatError(`node ${ids[child]!} names unknown parent ${parentId}`);
    if (!kids[at]!.includes(ids[child]!)) kids[at]!.push(ids[child]!);
  }
  const starts = new Int32Array(ids.length + 1);
  kids.forEach((k, i) => (starts[i + 1] = starts[i]! + k.length));
  return { starts, children: Int32Array.from(kids.flat()) };
}
