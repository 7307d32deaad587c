import { Type } from '@sinclair/typebox';

const nullableString = (description: string) => Type.Union([Type.String({ minLength: 1 }), Type.Null()], { description });

/**
 * The HTTP access keys of the configuration schema (after `http_host` and `http_port`). None can
 * change live: who may call the API is decided by the local configuration only.
 */
export const HTTP_ACCESS_KEYS = {
  http_read_token: nullableString(
    'Bearer token every reading route (GET, /metrics, /openapi.json) requires when set (secret; at least 16 characters). The write token reads too. /healthz and /readyz stay open.',
  ),
  http_read_token_file: nullableString('Path of a file holding http_read_token (trailing whitespace removed); set one or the other.'),
  http_write_token: nullableString(
    'Bearer token every state-changing route (POST, DELETE) requires when set (secret; at least 16 characters). Required to listen beyond loopback.',
  ),
  http_write_token_file: nullableString('Path of a file holding http_write_token (trailing whitespace removed); set one or the other.'),
  http_public_read: Type.Boolean({
    description: 'Allows listening beyond loopback without http_read_token: reading routes then answer anyone who reaches the port. The write token is needed all the same.',
  }),
};

/** Defaults of the HTTP access keys: no tokens, reading open on loopback only. */
export const HTTP_ACCESS_DEFAULTS = Object.freeze({
  http_read_token: null,
  http_read_token_file: null,
  http_write_token: null,
  http_write_token_file: null,
  http_public_read: false,
});

/** The HTTP access keys holding secrets. */
export const HTTP_SECRET_KEYS = ['http_read_token', 'http_write_token'] as const;
