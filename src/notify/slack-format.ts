import { noticeUrl } from './labels.js';
import type { Notice } from './notice.js';
import type { EncodeContext, ReceiverFormat } from './receiver-format.js';

/** Notices shown as their own block; Slack refuses messages of more than 50 blocks. */
const MAX_SHOWN = 20;

/** Slack's mrkdwn needs `&`, `<` and `>` escaped. */
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const WHAT: Readonly<Record<Notice['event'], string>> = {
  firing: 'FIRING',
  resolved: 'RESOLVED',
  escalated: 'ESCALATED',
  deescalated: 'DE-ESCALATED',
  renotify: 'STILL FIRING',
  verdict: 'VERDICT',
};

/** The one-line fallback text of a group: `[FIRING:2] cpu_usage on order-agent-1 (+1 more)`. */
export function slackText(notices: readonly Notice[]): string {
  const firing = notices.filter((n) => n.state === 'firing').length;
  const head = firing > 0 ? `[FIRING:${firing}]` : `[RESOLVED:${notices.length}]`;
  const first = notices[0];
  if (!first) return head;
  const more = notices.length > 1 ? ` (+${notices.length - 1} more)` : '';
  return `${head} ${first.kind} on ${first.source}${more}`;
}

function noticeBlock(n: Notice, ctx: EncodeContext): Record<string, unknown> {
  const title = `*${WHAT[n.event]}* · ${n.severity} ${n.finding} · \`${esc(n.source)}\` · ${esc(n.kind)}`;
  const until = n.endsAt ? ` until ${n.endsAt}` : '';
  return {
    type: 'section',
    text: { type: 'mrkdwn', text: `${title}\n${esc(n.summary)}\n<${noticeUrl(n, ctx.externalUrl)}|details> · since ${n.startsAt}${until}` },
  };
}

/** One group as a Slack message: fallback `text` plus `blocks` (header, one section per notice, a context line). */
export function slackBody(notices: readonly Notice[], ctx: EncodeContext): Record<string, unknown> {
  const shown = notices.slice(0, MAX_SHOWN);
  const blocks: Record<string, unknown>[] = [{ type: 'header', text: { type: 'plain_text', text: slackText(notices).slice(0, 150) } }];
  for (const n of shown) blocks.push(noticeBlock(n, ctx));
  const hidden = notices.length - shown.length;
  const footer = `perf-engine · receiver ${ctx.receiver}${hidden > 0 ? ` · ${hidden} more not shown` : ''}`;
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: esc(footer) }] });
  return { text: slackText(notices), blocks };
}

/** A Slack incoming webhook (or anything that takes Slack's `text` and `blocks`). */
export const slackFormat: ReceiverFormat = {
  type: 'slack',
  defaults: { group_wait_seconds: 10, group_interval_seconds: 60 },
  keepsAlive: false,
  resolvedOptional: true,
  encode: (notices, ctx) => ({ path: '', body: slackBody(notices, ctx) }),
};
