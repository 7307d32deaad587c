import type { Notice } from './notice.js';

/**
 * The labels of a notice as Alertmanager and its webhook consumers know them: `alertname` is the
 * kind (the alert's metric, the bottleneck kind, the optimization action), then `finding`,
 * `source`, `severity`, `finding_id`, `host` and `metric` when known, and the finding's own extras
 * (`rule` of an alert, `status` of an optimization).
 */
export function noticeLabels(n: Notice): Record<string, string> {
  const labels: Record<string, string> = { alertname: n.kind, finding: n.finding, source: n.source, severity: n.severity, finding_id: n.id };
  if (n.host) labels.host = n.host;
  if (n.metric && n.metric !== n.kind) labels.metric = n.metric;
  return { ...labels, ...n.labels };
}

/** The annotations of a notice: `summary` (one line) and `description`. */
export function noticeAnnotations(n: Notice): Record<string, string> {
  return { summary: n.summary, description: n.description };
}

/** The link to a notice's finding on the engine. */
export function noticeUrl(n: Notice, externalUrl: string): string {
  return `${externalUrl}${n.link}`;
}

/** The labels and annotations every notice of a group shares (Alertmanager's commonLabels). */
export function commonOf(maps: readonly Readonly<Record<string, string>>[]): Record<string, string> {
  const [first, ...rest] = maps;
  if (!first) return {};
  return Object.fromEntries(Object.entries(first).filter(([k, v]) => rest.every((m) => m[k] === v)));
}
