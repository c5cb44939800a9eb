// Command-line arguments for every `samantic` command (the CLI, the server, the benchmarks): Node's
// strict parseArgs, with positionals, and its errors turned into the project's typed error with a
// hint on where to read the usage.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { SamanticError } from '../errors';

export const USAGE_HINT = "Run 'samantic --help' for usage.";

export function parseCommandArgs<O extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  options: O,
  hint: string = ` ${USAGE_HINT}`,
) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new SamanticError('invalid-argument', `${(err as Error).message}.${hint}`);
  }
}

/** A flag whose value must be one of a vocabulary list (see core/vocab.ts); absent gives the fallback. */
export function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new SamanticError('invalid-argument', `--${flag} must be one of ${allowed.join(', ')} (got '${value}').`);
  }
  return value as T;
}

/** An integer flag (>= min); absent gives the fallback. */
export function intFlag(name: string, v: string | undefined, fallback: number, min = 1): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min)
    throw new SamanticError('invalid-argument', `--${name} must be an integer >= ${min}, got '${v}'.`);
  return n;
}
