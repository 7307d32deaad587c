import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ERROR_RESPONSES } from './api-errors.js';

/** `GET /api/v1/status`: who the engine is and whether it is ready, then one object per stage (null before it is wired). */
export const EngineStatus = Type.Object(
  {
    agent_id: Type.String(),
    pid: Type.Integer(),
    started_at: Type.String({ format: 'date-time' }),
    ready: Type.Boolean(),
  },
  { additionalProperties: true, description: 'stage keys (bus, database, monitor, ingest, writer, ...) follow, each an object or null' },
);
/** The engine's status as the API shows it. */
export type EngineStatus = Static<typeof EngineStatus>;

/** `GET /api/v1/config`: every key's effective value (secrets masked) and where it came from. */
export const ConfigReport = Type.Record(Type.String(), Type.Object({ value: Type.Unknown(), origin: Type.String() }));
/** The configuration report. */
export type ConfigReport = Static<typeof ConfigReport>;

/** What the status routes read from the engine. */
export interface StatusRouteDeps {
  /** The engine's status: the fields of EngineStatus, then one entry per stage. */
  status(): Promise<Readonly<Record<string, unknown>>>;
  config(): ConfigReport;
}

/** Status and effective configuration; both answer while the engine starts, to show how far it got. */
export function statusRoutes(deps: StatusRouteDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/status', { schema: { response: { 200: EngineStatus, ...ERROR_RESPONSES } } }, async () => {
      // The engine assembles this from every stage; the serializer checks the common fields against the schema.
      return (await deps.status()) as EngineStatus;
    });
    app.get('/config', { schema: { response: { 200: ConfigReport, ...ERROR_RESPONSES } } }, async () => deps.config());
  };
}
