// `samantic synth <dir> [--count 20] [--seed 1] [--width 768] [--height 576] [--format png|jpg]`:
// writes synthetic pizza photos and their COCO ground truth for trying out and benchmarking.

import { parseArgs } from 'node:util';
import { PIZZA_DEFAULT_HEIGHT, PIZZA_DEFAULT_WIDTH, PIZZA_MAX_SIDE, PIZZA_MIN_SIDE } from './pizza';
import { PIZZA_FOLDER_MAX_COUNT, writePizzaFolder } from './writer';

export const SYNTH_USAGE = `usage: samantic synth <dir> [--count 20] [--seed 1] [--width ${PIZZA_DEFAULT_WIDTH}] [--height ${PIZZA_DEFAULT_HEIGHT}] [--format png|jpg]\n`;

/** Where the command prints; tests pass their own. */
export interface SynthIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const defaultIo: SynthIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

class UsageError extends Error {}

function intOption(name: string, raw: string | undefined, fallback: number, lo: number, hi: number): number {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < lo || v > hi) {
    throw new UsageError(`--${name} must be a whole number from ${lo} to ${hi}, got '${raw}'.`);
  }
  return v;
}

/**
 * Runs the synth subcommand. `argv` is what follows the word `synth`. Returns the process exit
 * code: 0 done, 2 bad arguments (message and usage on err), 1 the folder could not be written.
 */
export async function runSynthCommand(argv: string[], io: SynthIo = defaultIo): Promise<number> {
  let dir: string;
  let count: number;
  let seed: number;
  let width: number;
  let height: number;
  let format: 'png' | 'jpg';
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        count: { type: 'string' },
        seed: { type: 'string' },
        width: { type: 'string' },
        height: { type: 'string' },
        format: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      io.out(SYNTH_USAGE);
      return 0;
    }
    if (positionals.length !== 1) {
      throw new UsageError(
        positionals.length === 0
          ? 'give the folder to write into.'
          : `expected one folder, got ${positionals.length}: ${positionals.join(' ')}.`,
      );
    }
    dir = positionals[0] as string;
    count = intOption('count', values.count, 20, 1, PIZZA_FOLDER_MAX_COUNT);
    seed = intOption('seed', values.seed, 1, -(2 ** 31), 2 ** 32 - 1);
    width = intOption('width', values.width, PIZZA_DEFAULT_WIDTH, PIZZA_MIN_SIDE, PIZZA_MAX_SIDE);
    height = intOption('height', values.height, PIZZA_DEFAULT_HEIGHT, PIZZA_MIN_SIDE, PIZZA_MAX_SIDE);
    const f = values.format ?? 'png';
    if (f !== 'png' && f !== 'jpg') throw new UsageError(`--format must be png or jpg, got '${f}'.`);
    format = f;
  } catch (err) {
    io.err(`samantic synth: ${(err as Error).message}\n${SYNTH_USAGE}`);
    return 2;
  }
  try {
    const { files, groundTruthFile } = await writePizzaFolder(dir, { count, seed, width, height, format });
    io.out(`wrote ${files.length} images (${width}x${height} ${format}, seed ${seed}) and ${groundTruthFile}\n`);
    return 0;
  } catch (err) {
    io.err(
      `samantic synth: could not write '${dir}': ${(err as Error).message}. Check that the folder is writable and the disk is not full.\n`,
    );
    return 1;
  }
}
