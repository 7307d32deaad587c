import { valueAfterKey } from './fields.js';

/** What the collectors use of /proc/<pid>/status; absent fields (kernel threads have no VmRSS) stay undefined. */
export interface PidStatus {
  readonly rssBytes?: number;
  readonly voluntaryCtxtSwitches?: number;
  readonly nonvoluntaryCtxtSwitches?: number;
}

/** Parses the few lines of /proc/<pid>/status the collectors need, by key lookup rather than a full parse. */
export function parsePidStatus(text: string): PidStatus {
  const rssKb = valueAfterKey(text, 'VmRSS:');
  return {
    rssBytes: rssKb === undefined ? undefined : rssKb * 1024,
    voluntaryCtxtSwitches: valueAfterKey(text, 'voluntary_ctxt_switches:'),
    nonvoluntaryCtxtSwitches: valueAfterKey(text, 'nonvoluntary_ctxt_switches:'),
  };
}
