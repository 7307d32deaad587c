import type { NatsAuth } from './nats-bus.js';
import type { Config } from '../config/schema.js';

/** The NATS authentication and TLS settings of a configuration, as the bus takes them. */
export function natsAuth(c: Config): NatsAuth {
  return {
    user: c.nats_user,
    password: c.nats_password,
    token: c.nats_token,
    credsFile: c.nats_creds_file,
    tlsCaFile: c.nats_tls_ca_file,
    tlsCertFile: c.nats_tls_cert_file,
    tlsKeyFile: c.nats_tls_key_file,
  };
}
