import { Type, type TSchema } from '@sinclair/typebox';
import { ConfigSchema, LIVE_KEYS } from '../config/schema.js';
import { RealtimeMetricsMessage } from './realtime-metrics.js';
import { ProfileRequestMessage } from './inbound.js';
import {
  AlertMessage,
  AlertUpdateMessage,
  BottleneckMessage,
  BottleneckUpdateMessage,
  InvalidMessageNotice,
  ProfileReportMessage,
} from './outbound.js';
import { OptimizationAppliedMessage, OptimizationRolledBackMessage, OptimizationStatusMessage } from './optimizing.js';
import { InsightsMessage } from './insights.js';
import { ReportReadyMessage } from './report-ready.js';
import { Reply } from './common.js';
import { AgentProfileReply, AgentProfileRequest } from './agent-profile.js';
import { AgentConfigReply, AgentConfigUpdate, AgentTunablesReply, AgentTunablesRequest } from './agent-config.js';

/** `config.performance_engine_agent.updated`: a partial configuration of live keys. */
export const ConfigUpdateMessage = Type.Partial(Type.Pick(ConfigSchema, [...LIVE_KEYS]), {
  $id: 'config.performance_engine_agent.updated',
  additionalProperties: false,
});

/** Every message schema, by subject, with its direction. */
export const WIRE_SCHEMAS: readonly { subject: string; direction: 'in' | 'out' | 'reply'; schema: TSchema }[] = [
  { subject: 'monitoring.realtime_metrics', direction: 'in', schema: RealtimeMetricsMessage },
  { subject: 'orchestrator.profile_request', direction: 'in', schema: ProfileRequestMessage },
  { subject: 'config.performance_engine_agent.updated', direction: 'in', schema: ConfigUpdateMessage },
  { subject: 'optimizing.optimization_applied', direction: 'in', schema: OptimizationAppliedMessage },
  { subject: 'optimizing.optimization_rolled_back', direction: 'in', schema: OptimizationRolledBackMessage },
  { subject: 'performance.metrics', direction: 'out', schema: { ...RealtimeMetricsMessage, $id: 'performance.metrics' } },
  { subject: 'performance.bottleneck_detected', direction: 'out', schema: BottleneckMessage },
  { subject: 'performance.bottleneck_updated', direction: 'out', schema: BottleneckUpdateMessage },
  { subject: 'performance.profile_report', direction: 'out', schema: ProfileReportMessage },
  { subject: 'performance.optimization_status', direction: 'out', schema: OptimizationStatusMessage },
  { subject: 'performance.insights', direction: 'out', schema: InsightsMessage },
  { subject: 'performance.alert', direction: 'out', schema: AlertMessage },
  { subject: 'performance.alert_update', direction: 'out', schema: AlertUpdateMessage },
  { subject: 'performance.invalid_message', direction: 'out', schema: InvalidMessageNotice },
  { subject: 'performance.report_ready', direction: 'out', schema: ReportReadyMessage },
  { subject: 'reply', direction: 'reply', schema: { ...Reply, $id: 'reply' } },
  { subject: 'agent.{agent_id}.profile', direction: 'out', schema: AgentProfileRequest },
  { subject: 'agent.{agent_id}.profile.reply', direction: 'reply', schema: AgentProfileReply },
  { subject: 'config.{agent_id}.updated', direction: 'out', schema: AgentConfigUpdate },
  { subject: 'config.{agent_id}.updated.reply', direction: 'reply', schema: AgentConfigReply },
  { subject: 'agent.{agent_id}.tunables', direction: 'out', schema: AgentTunablesRequest },
  { subject: 'agent.{agent_id}.tunables.reply', direction: 'reply', schema: AgentTunablesReply },
];

/** The JSON Schema document of one subject (draft 2020-12), as written to `schemas/`. */
export function jsonSchemaDocument(subject: string, schema: TSchema): Record<string, unknown> {
  return { $schema: 'https://json-schema.org/draft/2020-12/schema', title: subject, ...JSON.parse(JSON.stringify(schema)) };
}
