// Who may talk to the server. Without a token the server only listens on loopback and only answers
// requests whose Host is a loopback name (so a web page cannot reach it through DNS rebinding) and
// whose Origin, when the browser sends one, is the server itself (so other sites cannot call the
// API from a visitor's browser). With a token every request must carry it.

import { timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';

/**
 * Content-Security-Policy for the UI: scripts only from the app itself, no inline script, no eval,
 * no plugins, no framing. Inline styles stay allowed because Svelte and Konva set element styles.
 * 'self' in connect-src covers the same-origin WebSocket in CSP level 3 browsers.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
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

/** Cookies are shared across ports of one host, so the name carries the port. */
export function tokenCookieName(port: number): string {
  return `samantic_token_${port}`;
}

export function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    const raw = part.slice(eq + 1).trim();
    try {
      out.set(name, decodeURIComponent(raw));
    } catch {
      out.set(name, raw);
    }
  }
  return out;
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
  port: number;
}

/** The token the request carries (header, bearer or cookie), or null. */
export function requestToken(req: IncomingMessage, port: number): string | null {
  const header = req.headers[TOKEN_HEADER];
  if (typeof header === 'string' && header) return header;
  const auth = req.headers.authorization;
  if (auth && /^Bearer\s+/i.test(auth)) return auth.replace(/^Bearer\s+/i, '');
  return parseCookies(req.headers.cookie).get(tokenCookieName(port)) ?? null;
}

/**
 * Null when the request may proceed, else the reason to refuse it (sent as 403 / 401).
 * `checkOrigin` is for state-changing requests and WebSocket upgrades.
 */
export function refusal(req: IncomingMessage, policy: AccessPolicy, checkOrigin: boolean): { status: number; message: string } | null {
  const host = req.headers.host ?? '';
  if (!policy.token && !isLoopbackHost(hostnameOf(host))) {
    return { status: 403, message: `Host '${host}' is not a loopback name; this server only answers http://127.0.0.1 or http://localhost.` };
  }
  if (checkOrigin) {
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${host}`) {
      return { status: 403, message: `Cross-origin request from ${origin} refused.` };
    }
  }
  if (policy.token) {
    const given = requestToken(req, policy.port);
    if (!given || !sameToken(given, policy.token)) {
      return {
        status: 401,
        message: 'This Samantic server needs its access token. Open the URL printed by `samantic serve` (it ends in ?token=...).',
      };
    }
  }
  return null;
}
