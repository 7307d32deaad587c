import { open, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunningScenario, ScenarioContext } from './scenario.js';

const BLOCK_BYTES = 1024 * 1024;
/** Bytes written per second at most: sustained, without starving the other processes on the disk. */
const TARGET_BYTES_PER_SECOND = 32 * 1024 * 1024;
/** The data file is rewritten in a cycle over this size, so disk use stays bounded. */
const FILE_BYTES = 64 * 1024 * 1024;

/** Writes one block at `position` and waits until it is on disk. */
export async function diskIoWriteAndSync(fh: FileHandle, block: Buffer, position: number): Promise<void> {
  await fh.write(block, 0, block.length, position);
  await fh.datasync();
}

/** `disk_io`: a background writer with an fsync per MiB, plus a synced audit line per request. */
export async function startDiskIo(ctx: ScenarioContext): Promise<RunningScenario> {
  const dataPath = join(ctx.workDir, 'disk-io.data');
  const auditPath = join(ctx.workDir, 'disk-io.audit');
  const data = await open(dataPath, 'w');
  const audit = await open(auditPath, 'a');
  const block = Buffer.alloc(BLOCK_BYTES, 0x5a);
  let running = true;
  const writer = (async () => {
    const t0 = performance.now();
    let written = 0;
    while (running) {
      await diskIoWriteAndSync(data, block, written % FILE_BYTES);
      written += BLOCK_BYTES;
      const ahead = (written / TARGET_BYTES_PER_SECOND) * 1000 - (performance.now() - t0);
      if (ahead > 0) await sleep(ahead);
    }
  })().catch((err: unknown) => ctx.log.error({ err }, 'disk_io writer failed'));
  const hook = async () => {
    await audit.write(`${new Date().toISOString()} order accepted\n`);
    await audit.datasync();
  };
  ctx.workload.hooks.add(hook);
  ctx.log.info({ bytesPerSecond: TARGET_BYTES_PER_SECOND, dir: ctx.workDir }, 'disk_io on');
  return {
    async stop() {
      running = false;
      ctx.workload.hooks.delete(hook);
      await writer;
      await data.close();
      await audit.close();
      await rm(dataPath, { force: true });
      await rm(auditPath, { force: true });
    },
  };
}
