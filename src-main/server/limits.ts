// Bounds on what a client may send the API: the body's size and its JSON nesting. Deeply nested
// arrays parse fine but overflow the stack of whatever walks them next (validation, structured
// clone to the service worker); an oversized body is refused with a JSON 413 rather than a reset.

import type { IncomingMessage } from 'node:http';
import { SamanticError } from '../core/errors';

/** Largest API request body: arguments are small; a million segment ids is about 8 MB of JSON. */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;
/** Deepest JSON nesting accepted: API arguments are at most a few levels deep. */
export const MAX_JSON_DEPTH = 32;
/** Bytes of an oversized body read and dropped so the client can read the 413; beyond, the connection is cut. */
export const MAX_DRAIN_BYTES = 4 * MAX_BODY_BYTES;

export class BodyTooLarge extends SamanticError {
  constructor() {
    super('too-large', `The request body is larger than ${MAX_BODY_BYTES} bytes; send fewer items per call.`);
  }
}

/** Deepest nesting of arrays and objects in a JSON text (strings skipped), stopping past `limit`. */
export function jsonDepth(text: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > max) max = depth;
      if (max > limit) return max;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

/** Parses an API body: undefined for an empty one; SamanticError 400 for bad or too-deep JSON. */
export function parseApiBody(method: string, text: string): unknown {
  if (text.trim() === '') return undefined;
  if (jsonDepth(text) > MAX_JSON_DEPTH) {
    throw new SamanticError(
      'invalid-argument',
      `${method}: the request body nests deeper than ${MAX_JSON_DEPTH} levels; API arguments are never that deep.`,
    );
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new SamanticError('invalid-argument', `${method}: the request body is not valid JSON.`);
  }
}

/**
 * Reads the body up to MAX_BODY_BYTES. A larger one is read to its end and dropped (up to
 * MAX_DRAIN_BYTES, past which the connection is cut) and then rejected with BodyTooLarge: a
 * client still sending would otherwise see a broken pipe instead of the 413.
 */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((ok, fail) => {
    const declared = Number(req.headers['content-length']);
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    if (Number.isFinite(declared) && declared > MAX_DRAIN_BYTES) {
      fail(new BodyTooLarge());
      req.destroy();
      return;
    }
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_DRAIN_BYTES) {
        fail(new BodyTooLarge());
        req.destroy();
      } else if (size > MAX_BODY_BYTES) {
        over = true;
        chunks.length = 0;
      } else chunks.push(c);
    });
    req.on('end', () => (over ? fail(new BodyTooLarge()) : ok(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', fail);
  });
}
