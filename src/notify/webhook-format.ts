import { commonOf, noticeAnnotations, noticeLabels, noticeUrl } from './labels.js';
import type { Notice } from './notice.js';
import type { EncodeContext, ReceiverFormat } from './receiver-format.js';

/** Alertmanager's value for "no end time yet". */
const NO_END = '0001-01-01T00:00:00Z';

/**
 * One group as a JSON body in the shape of Alertmanager's webhook (version 4), so tools that take
 * Alertmanager webhooks take it too; each alert also carries `event` (what happened) and `finding`
 * (the engine's wire message, docs/subjects.md).
 */
export function webhookBody(notices: readonly Notice[], ctx: EncodeContext): Record<string, unknown> {
  const alerts = notices.map((n) => ({
    status: n.state,
    labels: noticeLabels(n),
    annotations: noticeAnnotations(n),
    startsAt: n.startsAt,
    endsAt: n.endsAt ?? NO_END,
    generatorURL: noticeUrl(n, ctx.externalUrl),
    fingerprint: n.id,
    event: n.event,
    finding: n.message,
  }));
  return {
    version: '4',
    groupKey: ctx.groupKey,
    truncatedAlerts: 0,
    status: notices.some((n) => n.state === 'firing') ? 'firing' : 'resolved',
    receiver: ctx.receiver,
    groupLabels: ctx.groupLabels,
    commonLabels: commonOf(alerts.map((a) => a.labels)),
    commonAnnotations: commonOf(alerts.map((a) => a.annotations)),
    externalURL: ctx.externalUrl,
    alerts,
  };
}

/** A generic JSON webhook: one POST of {@link webhookBody} per group to the URL as given. */
export const webhookFormat: ReceiverFormat = {
  type: 'webhook',
  defaults: { group_wait_seconds: 10, group_interval_seconds: 60 },
  keepsAlive: false,
  resolvedOptional: true,
  encode: (notices, ctx) => ({ path: '', body: webhookBody(notices, ctx) }),
};
