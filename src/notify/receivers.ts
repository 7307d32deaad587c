import type { ReceiverConfig } from '../config/delivery-schema.js';
import type { GroupField, ReceiverType } from '../model/delivery.js';
import type { GroupTiming } from './grouping.js';
import { groupValue, type Notice } from './notice.js';
import type { FormatRegistry, ReceiverFormat } from './receiver-format.js';
import { compileMatch, type NoticeFilter } from './routing.js';

/** Group fields when a receiver gives none: one group per finding kind and source. */
export const DEFAULT_GROUP_BY: readonly GroupField[] = ['finding', 'source'];

/** A configured receiver made ready to use: its format, filter and timing resolved. */
export interface ReceiverPlan {
  readonly name: string;
  readonly type: ReceiverType;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly format: ReceiverFormat;
  /** The receiver's `match`, and its `send_resolved` where its format allows holding resolutions back. */
  readonly accepts: NoticeFilter;
  readonly groupBy: readonly GroupField[];
  readonly timing: GroupTiming;
}

/** Resolves a receiver's configuration against the installed formats and their defaults. */
export function planReceiver(r: ReceiverConfig, formats: FormatRegistry): ReceiverPlan {
  const format = formats.get(r.type);
  const matches = compileMatch(r.match);
  const holdResolved = format.resolvedOptional && r.send_resolved === false;
  return {
    name: r.name,
    type: r.type,
    url: r.url.replace(/\/+$/, ''),
    headers: r.headers ?? {},
    format,
    accepts: holdResolved ? (n) => n.state !== 'resolved' && matches(n) : matches,
    groupBy: r.group_by ?? DEFAULT_GROUP_BY,
    timing: {
      waitMs: (r.group_wait_seconds ?? format.defaults.group_wait_seconds) * 1000,
      intervalMs: (r.group_interval_seconds ?? format.defaults.group_interval_seconds) * 1000,
    },
  };
}

/** The group a notice falls in at a receiver: its key and the values that make it. */
export function groupOf(n: Notice, groupBy: readonly GroupField[]): { key: string; labels: Record<string, string> } {
  const labels = Object.fromEntries(groupBy.map((f) => [f, groupValue(n, f)]));
  return { key: JSON.stringify(groupBy.map((f) => labels[f])), labels };
}
