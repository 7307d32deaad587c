import { Type } from '@sinclair/typebox';
import { OutboundTimestamp } from './common.js';

/** The formats a stored report is offered in. */
const Format = Type.Union([Type.Literal('html'), Type.Literal('md'), Type.Literal('json')]);

/**
 * `performance.report_ready` (project extension): a scheduled report was stored; fetch it from
 * the engine's API at `GET /api/v1/reports/{report_id}?format=` in one of `formats`.
 */
export const ReportReadyMessage = Type.Object(
  {
    report_id: Type.String({ format: 'uuid' }),
    timestamp: OutboundTimestamp,
    period: Type.Object({ since: OutboundTimestamp, until: OutboundTimestamp }, { additionalProperties: false }),
    formats: Type.Array(Format, { minItems: 1, description: 'formats the report can be downloaded in' }),
    paths: Type.Record(Type.String(), Type.String(), { description: 'API path of the report in each format, relative to the engine base URL' }),
    summary: Type.Object(
      {
        sources: Type.Integer({ minimum: 0 }),
        sources_not_ok: Type.Integer({ minimum: 0 }),
        alerts: Type.Integer({ minimum: 0 }),
        bottlenecks: Type.Integer({ minimum: 0 }),
        profiles: Type.Integer({ minimum: 0 }),
      },
      { additionalProperties: true, description: 'headline figures of the report' },
    ),
  },
  { $id: 'performance.report_ready', additionalProperties: false },
);
