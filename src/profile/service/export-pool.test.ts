import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { analyzeProfileBytes } from '../analysis/analyze-profile.js';
import { ExportError, ProfileExportPool } from './export-pool.js';
import { exportProfile } from '../export/export-profile.js';

const FIXTURES = new URL('../../../test/fixtures/profile/', import.meta.url);
const cpuRaw = readFileSync(new URL('workload-before.cpuprofile', FIXTURES));
const heapRaw = readFileSync(new URL('workload.heapprofile', FIXTURES));

async function bytesOf(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

function inProcess(raw: Uint8Array, format: 'collapsed' | 'svg' | 'cpuprofile'): string {
  const out = exportProfile(analyzeProfileBytes(raw), format, 'p');
  return typeof out === 'string' ? out : [...(out as Iterable<string>)].join('');
}

let pool: ProfileExportPool | undefined;
afterEach(async () => pool?.close());

describe('ProfileExportPool', () => {
  it('writes the same bytes in its worker as the exporters do in process', async () => {
    pool = new ProfileExportPool();
    for (const format of ['collapsed', 'svg', 'cpuprofile'] as const) {
      const out = await pool.export(gzipSync(cpuRaw), format, 'p');
      expect(out.kind).toBe('cpu');
      expect((await bytesOf(out.body)).toString('utf8')).toBe(inProcess(cpuRaw, format));
    }
  });

  it('streams a large export in chunks of at most 1 MiB, and only a few ahead of the reader', async () => {
    pool = new ProfileExportPool();
    // Many copies of the fixture's samples make a .cpuprofile export of several MiB.
    const p = JSON.parse(cpuRaw.toString('utf8')) as { samples: number[]; timeDeltas: number[] };
    const times = 1000;
    const big = { ...p, samples: Array<number[]>(times).fill(p.samples).flat(), timeDeltas: Array<number[]>(times).fill(p.timeDeltas).flat() };
    const out = await pool.export(gzipSync(Buffer.from(JSON.stringify(big))), 'cpuprofile', 'big');
    const deadline = Date.now() + 20_000;
    while (out.body.readableLength === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 500));
    // Nobody read yet: the worker waits after its first chunks instead of filling memory.
    expect(out.body.readableLength).toBeLessThanOrEqual(3 << 20);
    const sizes: number[] = [];
    out.body.on('data', (part: Buffer) => sizes.push(part.length));
    await finished(out.body);
    expect(sizes.reduce((a, b) => a + b, 0)).toBeGreaterThan(6 << 20);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(1 << 20);
  });

  it('refuses a kind the format cannot hold, unreadable bytes, and a profile past the size cap', async () => {
    pool = new ProfileExportPool({ maxRawBytes: cpuRaw.length - 1 });
    await expect(pool.export(gzipSync(heapRaw), 'cpuprofile', 'p')).rejects.toMatchObject({ code: 'bad_format' });
    await expect(pool.export(gzipSync(Buffer.from('{"neither": 1}')), 'svg', 'p')).rejects.toMatchObject({ code: 'bad_profile' });
    await expect(pool.export(Buffer.from('not gzip'), 'svg', 'p')).rejects.toMatchObject({ code: 'bad_profile' });
    await expect(pool.export(gzipSync(cpuRaw), 'svg', 'p')).rejects.toMatchObject({ code: 'too_large' });
    const heap = await pool.export(gzipSync(heapRaw), 'collapsed', 'p');
    expect(heap.kind).toBe('heap');
    expect((await bytesOf(heap.body)).toString('utf8')).toBe(inProcess(heapRaw, 'collapsed'));
  });

  it('gives up on an export past its timeout, and the next one gets a fresh worker', async () => {
    pool = new ProfileExportPool({ timeoutMs: 1 });
    await expect(pool.export(gzipSync(cpuRaw), 'svg', 'p')).rejects.toMatchObject({ code: 'timeout' });
    await pool.close();
    pool = new ProfileExportPool({ timeoutMs: 30_000 });
    const out = await pool.export(gzipSync(cpuRaw), 'svg', 'p');
    expect((await bytesOf(out.body)).toString('utf8')).toBe(inProcess(cpuRaw, 'svg'));
  });

  it('recovers after a reader walks away mid-stream', async () => {
    pool = new ProfileExportPool();
    const first = await pool.export(gzipSync(cpuRaw), 'svg', 'p');
    first.body.destroy();
    const second = await pool.export(gzipSync(cpuRaw), 'collapsed', 'p');
    expect((await bytesOf(second.body)).toString('utf8')).toBe(inProcess(cpuRaw, 'collapsed'));
  });

  it('refuses with busy past the queue bound, and refuses everything once closed', async () => {
    pool = new ProfileExportPool({ maxQueued: 1 });
    const running = pool.export(gzipSync(cpuRaw), 'svg', 'p');
    const waiting = pool.export(gzipSync(cpuRaw), 'svg', 'p');
    await expect(pool.export(gzipSync(cpuRaw), 'svg', 'p')).rejects.toMatchObject({ code: 'busy' });
    const closing = pool.close();
    await expect(waiting).rejects.toBeInstanceOf(ExportError);
    await running.then((r) => bytesOf(r.body)).catch(() => undefined);
    await closing;
    await expect(pool.export(gzipSync(cpuRaw), 'svg', 'p')).rejects.toMatchObject({ code: 'closed' });
  });
});
