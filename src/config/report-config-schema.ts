import { Type } from '@sinclair/typebox';

/** The report keys of the configuration schema (docs/reports.md). */
export const REPORT_KEYS = {
  report_schedule: Type.Union([Type.String({ minLength: 1 }), Type.Null()], {
    description: 'Cron expression (5 or 6 fields) for scheduled reports, kept in the reports table and announced on performance.report_ready; null for none.',
  }),
  report_period: Type.String({
    pattern: '^[0-9]+(ms|s|m|h|d)$',
    description: 'Period a scheduled report covers, back from the time it fires (24h, 7d).',
  }),
  report_formats: Type.Array(Type.Union([Type.Literal('html'), Type.Literal('md'), Type.Literal('json')]), {
    minItems: 1,
    uniqueItems: true,
    description: 'Formats a stored report is offered in (GET /api/v1/reports/:id?format=) and announced with.',
  }),
};

/** Defaults of the report keys: no schedule, a day, every format. */
export const REPORT_DEFAULTS = {
  report_schedule: null as string | null,
  report_period: '24h',
  report_formats: ['html', 'md', 'json'] as ('html' | 'md' | 'json')[],
};

/** Report keys a live update may change (the schedule is re-armed). */
export const REPORT_LIVE_KEYS = ['report_schedule', 'report_period', 'report_formats'] as const;
