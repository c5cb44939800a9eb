// The `samantic` command line. Every subcommand is a thin layer over the same service the desktop
// app and the server transport use; errors print one actionable message and exit non-zero.
import type { ParseArgsConfig } from 'node:util';
import { parseCommandArgs } from '../core/args';
import { toErrorPayload } from '../core/errors';

type Command = (argv: string[]) => Promise<number>;

const USAGE = `samantic — turn a folder of photos into a labeled segmentation dataset

usage:
  samantic label <folder> [--out coco.json] [--model <id|dir>] [--preset sam|seed]
                 [--device auto|cpu|cuda|webgpu|dml|coreml] [--project <file>]
                 [--format polygon|rle] [--recursive] [--json] [--points-per-side N]
  samantic export <project|folder> --out coco.json [--format polygon|rle]
  samantic classes <project|folder> [list | rename <id> <name> | merge <id> <id> ... | recluster]
  samantic info <project|folder> [--json]
  samantic serve [folder] [--port N] [--host 127.0.0.1] [--token T] [--model <id>]
  samantic models list | download <id>
  samantic synth <dir> [--count 20] [--seed 1]
  samantic bench [folder ...] [--count 6] [--preset sam|seed] [--points-per-side N]
                 [--skip-peer] [--skip-cluster-scale] [--encode-ahead on|off] [--amg-workers N]
                 [--memory-images N] [--memory-points-per-side N] [--memory-only] [--json]
  samantic bench-quality [--count 20] [--seed 1] [--preset sam|seed] [--overlay file.png] [--json]
  samantic bench-annotate [--count 20] [--seeds 1,2] [--points-per-side N] [--json]
`;

const commands: Record<string, () => Promise<Command>> = {
  label: async () => (await import('./label')).runLabel,
  export: async () => (await import('./project-commands')).runExport,
  classes: async () => (await import('./project-commands')).runClasses,
  info: async () => (await import('./project-commands')).runInfo,
  serve: async () => (await import('../server/serve')).runServeCommand,
  models: async () => (await import('../core/model/registry')).runModelsCommand,
  synth: async () => (await import('../core/synth/cli')).runSynthCommand,
  bench: async () => (await import('../core/bench/cli')).runBenchCommand,
  'bench-quality': async () => (await import('../core/bench/cli')).runQualityBenchCommand,
  'bench-annotate': async () => (await import('../core/bench/cli')).runAnnotateBenchCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE);
    return name ? 0 : 2;
  }
  if (name === '--version') {
    process.stdout.write('samantic 0.1.0\n');
    return 0;
  }
  const load = commands[name];
  if (!load) {
    process.stderr.write(`samantic: unknown command '${name}'.\n\n${USAGE}`);
    return 2;
  }
  try {
    const run = await load();
    return await run(rest);
  } catch (err) {
    const { code, message } = toErrorPayload(err);
    process.stderr.write(`samantic ${name}: ${message}${code === 'internal' && process.env.SAMANTIC_DEBUG ? `\n${(err as Error).stack}` : ''}\n`);
    return 1;
  }
}

/** parseArgs with strict checking and a usage-style error. */
export const parseCli = <O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: O) => parseCommandArgs(argv, options);
