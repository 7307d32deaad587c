import type { NatsAuth } from './nats-bus.js';

/** The server list of a NATS URL, with the credentials it carried moved into the auth settings. */
export interface NatsServers {
  /** Server URLs without credentials: safe to log. */
  readonly servers: readonly string[];
  readonly auth: NatsAuth;
}

/**
 * Splits a NATS URL (`nats://user:pass@h1:4222,nats://h2:4222`, or a `token@` form) into server
 * URLs without credentials and the credentials themselves, since the client does not use
 * credentials written inside a URL and a URL with a password must never reach a log. Refuses,
 * with a message that shows no secret, credentials that differ between servers or that clash with
 * the separately configured user, password or token.
 */
export function splitNatsUrl(url: string, configured: NatsAuth = {}): NatsServers {
  const servers: string[] = [];
  let found: { user?: string; password?: string; token?: string } | null = null;
  for (const raw of url.split(',').map((s) => s.trim()).filter((s) => s.length > 0)) {
    const withScheme = raw.includes('://') ? raw : `nats://${raw}`;
    let parsed: URL;
    try {
      parsed = new URL(withScheme);
    } catch {
      throw new Error(`NATS_URL: "${hostPart(raw)}" is not a server URL (expected nats://host:port, several separated by commas)`);
    }
    const creds = credentialsOf(parsed);
    if (creds) {
      if (found && JSON.stringify(found) !== JSON.stringify(creds)) throw new Error('NATS_URL: the servers carry different credentials; give one user and password (or token) for all');
      found = creds;
    }
    parsed.username = '';
    parsed.password = '';
    servers.push(raw.includes('://') ? parsed.toString().replace(/\/$/, '') : parsed.host);
  }
  if (!found) return { servers, auth: configured };
  if (configured.user || configured.password || configured.token || configured.credsFile) {
    throw new Error('NATS_URL carries credentials and nats_user, nats_password, nats_token or nats_creds_file is set too: give them in one place');
  }
  return { servers, auth: { ...configured, ...found } };
}

function credentialsOf(u: URL): { user?: string; password?: string; token?: string } | null {
  if (!u.username && !u.password) return null;
  const user = decodeURIComponent(u.username);
  if (!u.password) return { token: user };
  return { user, password: decodeURIComponent(u.password) };
}

function hostPart(raw: string): string {
  const at = raw.lastIndexOf('@');
  return at < 0 ? raw : `***@${raw.slice(at + 1)}`;
}
