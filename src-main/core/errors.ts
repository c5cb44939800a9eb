/**
 * The one error type that crosses the API boundary: `code` is for programs (and tests), `message`
 * is for people and always says what is wrong and what to do.
 */
export type ErrorCode =
  | 'invalid-argument'
  | 'not-found'
  | 'no-project'
  | 'busy'
  | 'model-missing'
  | 'model-invalid'
  | 'image-unreadable'
  | 'folder-missing'
  | 'folder-empty'
  | 'store-error'
  | 'cancelled'
  | 'conflict'
  | 'network'
  | 'internal';

export class SamanticError extends Error {
  constructor(
    public readonly code: ErrorCode | string,
    message: string,
  ) {
    super(message);
    this.name = 'SamanticError';
  }
}

/** Normalises anything thrown into { code, message } for transports and the CLI. */
export function toErrorPayload(err: unknown): { code: string; message: string } {
  if (err instanceof SamanticError) return { code: err.code, message: err.message };
  if (err && typeof err === 'object' && 'code' in err && 'message' in err) {
    const e = err as { code: unknown; message: unknown };
    if (typeof e.code === 'string' && typeof e.message === 'string') return { code: e.code, message: e.message };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'internal', message };
}
