import { valueAfterKey } from './fields.js';

/** Storage-layer bytes of /proc/<pid>/io (read_bytes/write_bytes, not rchar/wchar which include cache hits). */
export interface PidIo {
  readonly readBytes: number;
  readonly writeBytes: number;
}

/** Parses /proc/<pid>/io; undefined when either counter is missing. */
export function parsePidIo(text: string): PidIo | undefined {
  const readBytes = valueAfterKey(text, 'read_bytes:');
  const writeBytes = valueAfterKey(text, 'write_bytes:');
  return readBytes === undefined || writeBytes === undefined ? undefined : { readBytes, writeBytes };
}
