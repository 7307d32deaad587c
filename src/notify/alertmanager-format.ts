import { noticeAnnotations, noticeLabels, noticeUrl } from './labels.js';
import type { Notice } from './notice.js';
import type { EncodeContext, ReceiverFormat } from './receiver-format.js';

/** One alert of Alertmanager's `POST /api/v2/alerts` (postableAlert). */
export interface AlertmanagerAlert {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly generatorURL: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * An alert as posted: a resolution carries its end time (Alertmanager marks it resolved); a firing
 * notice, and a one-shot verdict, ends four resend intervals from now, as Prometheus does, so the
 * alert stays active while it is re-posted and expires on its own if the engine goes away.
 */
export function alertmanagerAlert(n: Notice, ctx: EncodeContext, endsAt: string | null = null): AlertmanagerAlert {
  return {
    labels: noticeLabels(n),
    annotations: noticeAnnotations(n),
    startsAt: n.startsAt,
    endsAt: endsAt ?? (n.state === 'resolved' && n.endsAt ? n.endsAt : iso(ctx.now + 4 * ctx.resendMs)),
    generatorURL: noticeUrl(n, ctx.externalUrl),
  };
}

/**
 * The alerts a batch of notices posts. A finding whose labels changed since its last post (its
 * severity, on an escalation) is a different alert to Alertmanager: the old one is ended at the
 * same time, so that it neither lingers nor expires later as a spurious resolution.
 */
export function alertmanagerAlerts(notices: readonly Notice[], ctx: EncodeContext): AlertmanagerAlert[] {
  const last = new Map(ctx.open);
  const out: AlertmanagerAlert[] = [];
  for (const n of notices) {
    const prev = last.get(n.id);
    if (prev && prev.severity !== n.severity) {
      out.push(alertmanagerAlert(prev, ctx, n.state === 'resolved' && n.endsAt ? n.endsAt : iso(ctx.now)));
    }
    out.push(alertmanagerAlert(n, ctx));
    if (n.state === 'resolved') last.delete(n.id);
    else if (n.lasting) last.set(n.id, n);
  }
  return out;
}

/** Alertmanager's v2 API: the batch is one array posted to `<url>/api/v2/alerts`. */
export const alertmanagerFormat: ReceiverFormat = {
  type: 'alertmanager',
  // Alertmanager groups and waits itself: post at once.
  defaults: { group_wait_seconds: 0, group_interval_seconds: 0 },
  keepsAlive: true,
  resolvedOptional: false,
  encode: (notices, ctx) => ({ path: '/api/v2/alerts', body: alertmanagerAlerts(notices, ctx) }),
};
