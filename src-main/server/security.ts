// Who may talk to the server. Every API, media and WebSocket request must carry the server's token
// (`samantic serve` makes a random one at start unless told --no-token): as ?token=, as
// `Authorization: Bearer <token>` or as an X-Samantic-Token header. A server bound to loopback
// also only answers requests whose Host is a loopback name (so a web page cannot reach it through
// DNS rebinding), and state-changing requests and WebSocket upgrades whose Origin, when the browser
// sends one, is the server itself (so other sites cannot call the API from a visitor's browser).
// The UI's static files carry no secrets and load without the token.

import { timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';

/** The desktop shell's image scheme (see shell/index.ts). */
export const MEDIA_SCHEME = 'samantic-media';

/**
 * Content-Security-Policy for the UI: scripts only from the app itself, no inline script, no eval,
 * no plugins, no framing. Inline styles stay allowed because Svelte and Konva set element styles.
 * 'self' in connect-src covers the same-origin WebSocket in CSP level 3 browsers. The one policy of
 * every transport: the desktop shell sends it too, where images come over samantic-media://.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  `img-src 'self' data: blob: ${MEDIA_SCHEME}:`,
  `connect-src 'self' ${MEDIA_SCHEME}:`,
  "font-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers sent with every response. */
export const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** Header a script client may use instead of the cookie. */
export const TOKEN_HEADER = 'x-samantic-token';

/** Shortest token accepted: a guessable token on a network interface is no protection. */
export const MIN_TOKEN_LENGTH = 12;

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || h.startsWith('::ffff:127.');
  return false;
}

export function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Hostname of a Host header value ('127.0.0.1:8080', '[::1]:80', 'localhost'). */
export function hostnameOf(hostHeader: string): string {
  if (hostHeader.startsWith('[')) {
    const end = hostHeader.indexOf(']');
    return end > 0 ? hostHeader.slice(0, end + 1) : hostHeader;
  }
  const colon = hostHeader.lastIndexOf(':');
  return colon >= 0 ? hostHeader.slice(0, colon) : hostHeader;
}

export interface AccessPolicy {
  token: string | undefined;
  /** Bound to a loopback address: then only loopback Host names are answered. */
  loopback: boolean;
}

/** The token the request carries (header, bearer or ?token=), or null. */
export function requestToken(req: IncomingMessage): string | null {
  const header = req.headers[TOKEN_HEADER];
  if (typeof header === 'string' && header) return header;
  const auth = req.headers.authorization;
  if (auth && /^Bearer\s+/i.test(auth)) return auth.replace(/^Bearer\s+/i, '');
  const query = new URL(req.url ?? '/', 'http://localhost').searchParams.get('token');
  return query || null;
}

export const TOKEN_NEEDED =
  'This Samantic server needs its access token. Open the URL printed by `samantic serve` (it ends in ?token=...), ' +
  'or send it as Authorization: Bearer <token>.';

/**
 * Null when the request may proceed, else the reason to refuse it (sent as 403 / 401).
 * `checkOrigin` is for state-changing requests and WebSocket upgrades; `needToken` for everything
 * but the UI's static files.
 */
export function refusal(
  req: IncomingMessage,
  policy: AccessPolicy,
  opts: { checkOrigin: boolean; needToken: boolean },
): { status: number; message: string } | null {
  const host = req.headers.host ?? '';
  if (policy.loopback && !isLoopbackHost(hostnameOf(host))) {
    return {
      status: 403,
      message: `Host '${host}' is not a loopback name; this server only answers http://127.0.0.1 or http://localhost.`,
    };
  }
  if (opts.checkOrigin) {
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${host}`) {
      return { status: 403, message: `Cross-origin request from ${origin} refused.` };
    }
  }
  if (policy.token && opts.needToken) {
    const given = requestToken(req);
    if (!given || !sameToken(given, policy.token)) return { status: 401, message: TOKEN_NEEDED };
  }
  return null;
}
