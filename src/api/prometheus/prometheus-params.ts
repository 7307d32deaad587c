import { parseRfc3339 } from '../../model/time.js';
import { parseDurationText } from './promql-lex.js';

/** A request Prometheus would answer with `bad_data`: a message in Prometheus's words. */
export class BadData extends Error {
  override readonly name = 'BadData';
}

/** The parameters of a request: query string and form body merged (the body first, as Prometheus reads them). */
export type Params = Readonly<Record<string, string | string[] | undefined>>;

/** A form body (`application/x-www-form-urlencoded`, what Grafana posts) as parameters. */
export function parseForm(body: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(body)) {
    const had = out[k];
    out[k] = had === undefined ? v : Array.isArray(had) ? [...had, v] : [had, v];
  }
  return out;
}

/** One parameter's value (the first when repeated). */
export function param(p: Params, name: string): string | undefined {
  const v = p[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Every value of a repeated parameter (`match[]`). */
export function params(p: Params, name: string): string[] {
  const v = p[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** Latest instant a JavaScript Date holds. */
const MAX_MS = 8.64e15;

/** A Prometheus time parameter: Unix seconds (with a fraction) or RFC 3339; `fallback` when absent. */
export function timeParam(p: Params, name: string, fallback: number): number {
  const text = param(p, name);
  if (text === undefined || text === '') return fallback;
  const ms = /^-?\d+(\.\d+)?$/.test(text) ? Math.round(Number(text) * 1000) : parseRfc3339(text);
  if (!Number.isFinite(ms) || Math.abs(ms) > MAX_MS) throw new BadData(`invalid parameter "${name}": cannot parse "${text}" to a valid timestamp`);
  return ms;
}

/** A Prometheus duration parameter: seconds (with a fraction) or a duration such as `1m30s`. */
export function durationParam(p: Params, name: string): number {
  const text = param(p, name);
  if (text === undefined || text === '') throw new BadData(`invalid parameter "${name}": cannot parse "" to a valid duration`);
  const ms = /^-?\d+(\.\d+)?$/.test(text) ? Math.round(Number(text) * 1000) : parseDurationText(text);
  if (!Number.isFinite(ms)) throw new BadData(`invalid parameter "${name}": cannot parse "${text}" to a valid duration`);
  return ms;
}

/** The label name rule of Prometheus (before UTF-8 names). */
export const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
