// The usage text of every `samantic` subcommand, in one table: `samantic --help` prints them all,
// `samantic <command> --help` prints its own (exit 0), and a test holds the README's CLI block to
// the same text.

export interface CommandUsage {
  /** One line: what the command does. */
  summary: string;
  /** The synopsis lines, each starting with 'samantic <command>'. */
  synopsis: string[];
}

export const COMMANDS: Record<string, CommandUsage> = {
  label: {
    summary: 'segment, embed and cluster every photo of a folder, then export COCO (resumable)',
    synopsis: [
      'samantic label <folder> [--out coco.json] [--model <id|dir>] [--preset sam|seed]',
      '               [--device auto|cpu|cuda|webgpu|dml|coreml] [--project <file>]',
      '               [--format polygon|rle] [--recursive] [--json] [--points-per-side N]',
    ],
  },
  export: {
    summary: "write a processed folder's dataset",
    synopsis: ['samantic export <project|folder> --out coco.json [--format polygon|rle]'],
  },
  classes: {
    summary: 'list, rename or merge the classes of a project',
    synopsis: ['samantic classes <project|folder> [list | rename <id> <name> | merge <id> <id> ...]'],
  },
  info: {
    summary: "print a project's summary (never writes)",
    synopsis: ['samantic info <project|folder> [--json]'],
  },
  serve: {
    summary: 'serve the app to a browser (HTTP + WebSocket) for one folder',
    synopsis: ['samantic serve [folder] [--port N] [--host 127.0.0.1] [--token T] [--model <id|dir>]'],
  },
  models: {
    summary: 'list the models, or download one',
    synopsis: ['samantic models list [--models-dir DIR] [--json]', 'samantic models download <id> [--no-verify] [--models-dir DIR]'],
  },
  synth: {
    summary: 'write synthetic pizza photos with ground truth (for trying and testing)',
    synopsis: ['samantic synth <dir> [--count 20] [--seed 1] [--width W] [--height H] [--format png|jpg]'],
  },
  bench: {
    summary: 'performance benchmark: per-phase time per image, images per minute, memory',
    synopsis: [
      'samantic bench [folder ...] [--count 6] [--preset sam|seed|pruned] [--points-per-side N] [--model test-sam|sam-b-shape]',
      '               [--skip-peer] [--skip-cluster-scale] [--encode-ahead on|off] [--amg-workers N]',
      '               [--memory-images N] [--memory-points-per-side N] [--memory-only] [--compare-pruned] [--json]',
    ],
  },
  'bench-quality': {
    summary: 'quality benchmark on synthetic pizzas: per-category precision, recall, IoU',
    synopsis: ['samantic bench-quality [--count 20] [--seed 1] [--preset sam|seed] [--prune] [--overlay file.png] [--json]'],
  },
};

/** `samantic <command> --help`. */
export function commandHelp(name: string): string {
  const c = COMMANDS[name];
  return `samantic ${name}: ${c.summary}\n\nusage:\n${c.synopsis.map((l) => `  ${l}`).join('\n')}\n`;
}

/** `samantic --help`: every synopsis. */
export function fullUsage(): string {
  const lines = Object.values(COMMANDS).flatMap((c) => c.synopsis.map((l) => `  ${l}`));
  return `samantic — turn a folder of photos into a labelled segmentation dataset\n\nusage:\n${lines.join('\n')}\n\nRun 'samantic <command> --help' for one command.\n`;
}

/** Whether argv asks for help (anywhere, so `samantic label x --help` helps too). */
export const wantsHelp = (argv: readonly string[]): boolean => argv.includes('--help') || argv.includes('-h');
