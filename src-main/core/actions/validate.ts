// Argument checks shared by the actions. Arguments arrive as JSON from the UI, the CLI or the HTTP
// transport, so nothing about their shape is assumed; every failure says which action, which
// argument, what was wrong and what to do.
import { SamanticError } from '../errors';
import type { ClassRecord, LabelState } from '../labels/model';

/** Longest class name accepted: long enough for any label, short enough for the class panel. */
export const MAX_CLASS_NAME_LENGTH = 100;

function invalid(action: string, message: string): SamanticError {
  return new SamanticError('invalid-argument', `${action}: ${message}`);
}

export function requireArgs(action: string, args: unknown): Record<string, unknown> {
  if (typeof args !== 'object' || args === null || Array.isArray(args)) {
    throw invalid(action, `expected an object of arguments, got ${args === null ? 'null' : typeof args}.`);
  }
  return args as Record<string, unknown>;
}

export function requireId(action: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw invalid(action, `${name} must be a positive integer id, got ${JSON.stringify(value)}.`);
  }
  return value;
}

/** A non-empty list of ids, duplicates dropped (first occurrence kept). */
export function requireIdList(action: string, name: string, value: unknown): number[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw invalid(action, `${name} must be a non-empty array of ids, got ${JSON.stringify(value)?.slice(0, 80)}.`);
  }
  const ids = value.map((v, i) => requireId(action, `${name}[${i}]`, v));
  return [...new Set(ids)];
}

export function requireClass(state: LabelState, action: string, id: number): ClassRecord {
  const c = state.classes.get(id);
  if (!c) {
    throw new SamanticError(
      'not-found',
      `${action}: class ${id} does not exist (it may have been merged or deleted). Reload the class list and try again.`,
    );
  }
  return c;
}

export function requireSegments(state: LabelState, action: string, ids: number[]): void {
  const missing = ids.filter((id) => !state.segments.has(id));
  if (missing.length > 0) {
    const shown = missing.slice(0, 5).join(', ') + (missing.length > 5 ? `, ... (${missing.length} in all)` : '');
    throw new SamanticError(
      'not-found',
      `${action}: segment${missing.length > 1 ? 's' : ''} ${shown} do${missing.length > 1 ? '' : 'es'} not exist ` +
        '(the image may have been processed again). Reload the image and select again.',
    );
  }
}

export function requireName(action: string, value: unknown): string {
  if (typeof value !== 'string') throw invalid(action, `name must be a string, got ${JSON.stringify(value)}.`);
  const name = value.trim();
  if (name.length === 0) throw invalid(action, 'the class name is empty; type a name.');
  if (name.length > MAX_CLASS_NAME_LENGTH) {
    throw invalid(action, `the class name has ${name.length} characters; use at most ${MAX_CLASS_NAME_LENGTH}.`);
  }
  return name;
}

export function requireColor(action: string, value: unknown): string {
  if (typeof value !== 'string' || !/^#[0-9a-fA-F]{6}$/.test(value)) {
    throw invalid(action, `color must look like '#rrggbb' (six hex digits), got ${JSON.stringify(value)}.`);
  }
  return value.toLowerCase();
}

export function optional<T>(value: unknown, check: (v: unknown) => T): T | undefined {
  return value === undefined ? undefined : check(value);
}
