/** NATS subjects of the platform's wire contract (docs/subjects.md), plus the project's own. */
export const SUBJECTS = {
  realtimeMetrics: 'monitoring.realtime_metrics',
  configUpdated: 'config.performance_engine_agent.updated',
  profileRequest: 'orchestrator.profile_request',
  metrics: 'performance.metrics',
  profileReport: 'performance.profile_report',
  bottleneckDetected: 'performance.bottleneck_detected',
  /** Escalations, new evidence and resolution of a published bottleneck (project extension). */
  bottleneckUpdated: 'performance.bottleneck_updated',
  /** Life of an optimization: every transition, with its verdict and impact. */
  optimizationStatus: 'performance.optimization_status',
  /** Per-source digest for the intelligence engine. */
  insights: 'performance.insights',
  /** A change the optimizing engine has applied. */
  optimizationApplied: 'optimizing.optimization_applied',
  /** The optimizing engine has undone a change. */
  optimizationRolledBack: 'optimizing.optimization_rolled_back',
  alert: 'performance.alert',
  /** Escalations, de-escalations and re-notifications of a firing alert (project extension). */
  alertUpdate: 'performance.alert_update',
  invalidMessage: 'performance.invalid_message',
  /** Announces a rejected live configuration update (project extension). */
  configRejected: 'performance.config_rejected',
  /** Announces an applied live configuration update (project extension). */
  configApplied: 'performance.config_applied',
  /** A scheduled report is stored and can be downloaded (project extension, docs/reports.md). */
  reportReady: 'performance.report_ready',
} as const;

/** Subject on which an SDK agent answers profile requests. */
export function agentProfileSubject(agentId: string): string {
  return `agent.${agentId}.profile`;
}

/** Queue group shared by engine instances, so each inbound sample is handled once. */
export const ENGINE_QUEUE = 'performance_engine';

/** Subject on which an SDK agent takes updates of its tunables (docs/subjects.md, project extension). */
export function agentConfigSubject(agentId: string): string {
  return `config.${agentId}.updated`;
}

/** Subject on which an SDK agent answers with its tunables (docs/subjects.md, project extension). */
export function agentTunablesSubject(agentId: string): string {
  return `agent.${agentId}.tunables`;
}
