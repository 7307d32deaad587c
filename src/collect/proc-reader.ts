import { closeSync, existsSync, openSync, readdirSync, readSync, statfsSync, statSync } from 'node:fs';

/** Error codes that mean "this file or process is gone or not ours to read", never a collector failure. */
const UNAVAILABLE = new Set(['ENOENT', 'ESRCH', 'EACCES', 'EPERM', 'ENOTDIR', 'ENODEV']);

/** Filesystem magic number of procfs (statfs f_type). */
const PROC_SUPER_MAGIC = 0x9fa0;

function isUnavailable(err: unknown): boolean {
  return typeof err === 'object' && err !== null && UNAVAILABLE.has((err as NodeJS.ErrnoException).code ?? '');
}

/**
 * Reads small kernel-generated files into one reused buffer. Synchronous on purpose: procfs reads
 * never block on a disk, and a libuv thread-pool round trip per file would cost more CPU than the
 * read itself. Files read every tick can be held open and re-read from offset 0 (the kernel
 * regenerates them), which halves the cost of a read (measured); a held /proc/<pid>/ file keeps
 * referring to its process, so a reused pid shows as an error, never as another process's data.
 * One reader belongs to one collector (not shared across concurrent callers).
 */
export class ProcReader {
  private buf = Buffer.allocUnsafe(64 * 1024);
  private readonly held = new Map<string, number>();

  /** @param maxHeld how many files readHeld may keep open; beyond it reads open and close as usual. */
  constructor(private readonly maxHeld = 4096) {}

  /** Whole content of `path`; undefined when it is missing, vanished or unreadable. */
  read(path: string, encoding: 'latin1' | 'utf8' = 'latin1'): string | undefined {
    const fd = this.openFd(path);
    if (fd === undefined) return undefined;
    try {
      return this.readFd(fd, encoding);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Like read, but keeps the file open for the next call (see the class comment). When a held
   * file's object is gone (process exited, cgroup removed) the path is opened again, since a new
   * object may live there now.
   */
  readHeld(path: string, encoding: 'latin1' | 'utf8' = 'latin1'): string | undefined {
    const heldFd = this.held.get(path);
    if (heldFd !== undefined) {
      const text = this.readFd(heldFd, encoding);
      if (text !== undefined) return text;
      this.release(path);
    }
    if (this.held.size >= this.maxHeld) return this.read(path, encoding);
    const fd = this.openFd(path);
    if (fd === undefined) return undefined;
    const text = this.readFd(fd, encoding);
    if (text === undefined) closeSync(fd);
    else this.held.set(path, fd);
    return text;
  }

  /** Closes the held file of `path`, if any. */
  release(path: string): void {
    const fd = this.held.get(path);
    if (fd === undefined) return;
    this.held.delete(path);
    closeSync(fd);
  }

  /** Closes every held file. */
  close(): void {
    for (const fd of this.held.values()) closeSync(fd);
    this.held.clear();
  }

  /** Opens `path` for reading with readFd; undefined when it is missing, vanished or unreadable. */
  openFd(path: string): number | undefined {
    try {
      return openSync(path, 'r');
    } catch (err) {
      if (isUnavailable(err)) return undefined;
      throw err;
    }
  }

  /** Closes a file opened with openFd. */
  closeFd(fd: number): void {
    closeSync(fd);
  }

  /**
   * Reads an open file from offset 0 to the end, growing the buffer as needed; undefined when the
   * file's object is gone (for /proc/<pid>/ files: that process exited, whoever has its pid now).
   */
  readFd(fd: number, encoding: 'latin1' | 'utf8' = 'latin1'): string | undefined {
    try {
      let n = 0;
      for (;;) {
        if (n === this.buf.length) {
          const bigger = Buffer.allocUnsafe(this.buf.length * 2);
          this.buf.copy(bigger, 0, 0, n);
          this.buf = bigger;
        }
        const got = readSync(fd, this.buf, n, this.buf.length - n, n);
        if (got === 0) break;
        n += got;
      }
      return this.buf.toString(encoding, 0, n);
    } catch (err) {
      if (isUnavailable(err)) return undefined;
      throw err;
    }
  }

  /** Entry names of a directory; undefined when it is missing, vanished or unreadable. */
  list(dir: string): string[] | undefined {
    try {
      return readdirSync(dir);
    } catch (err) {
      if (isUnavailable(err)) return undefined;
      throw err;
    }
  }

  /** Whether `path` exists. */
  exists(path: string): boolean {
    return existsSync(path);
  }
}

/**
 * Counts the open file descriptors of a process. On procfs, Linux 6.2+ reports the count as the
 * size of /proc/<pid>/fd, which avoids listing thousands of entries; elsewhere (older kernels
 * report 0, fixture trees report a block size) the entries are listed.
 */
export function createFdCounter(procRoot: string, reader: ProcReader): (pid: number) => number | undefined {
  let onProcfs = false;
  try {
    onProcfs = statfsSync(procRoot).type === PROC_SUPER_MAGIC;
  } catch {
    onProcfs = false;
  }
  return (pid) => {
    const dir = `${procRoot}/${pid}/fd`;
    if (onProcfs) {
      try {
        const size = statSync(dir).size;
        if (size > 0) return size;
      } catch (err) {
        if (isUnavailable(err)) return undefined;
        throw err;
      }
    }
    return reader.list(dir)?.length;
  };
}
