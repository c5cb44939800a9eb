// The usage text of every `samantic` subcommand, in one table: `samantic --help` prints them all,
// `samantic <command> --help` prints its own (exit 0), and a test holds the README's CLI block to
// the same text.

export interface CommandUsage {
  /** One line: what the command does. */
  summary: string;
  /** The synopsis lines, each starting with 'samantic <command>'. */
  synopsis: string[];
  /** What the options mean, for `samantic <command> --help`. */
  details?: string;
}

export const COMMANDS: Record<string, CommandUsage> = {
  label: {
    summary: 'segment, embed and cluster every photo of a folder, then export COCO (resumable)',
    synopsis: [
      'samantic label <folder> [--out coco.json] [--model <id|dir>] [--preset sam|seed]',
      '               [--device auto|cpu|cuda|webgpu|dml|coreml] [--project <file>]',
      '               [--format polygon|rle] [--recursive] [--json] [--points-per-side N]',
      '               [--shard i/N | --shards N]',
    ],
    details: `  --shard i/N      be worker i (0-based) of N: process only the photos whose share key (size and
                   first and last 64 KiB) falls in shard i, into <folder>/.samantic/shard-i-of-N.db (or --project); no classes,
                   no export. A rerun resumes. Then: samantic merge <folder> <shard projects>...
  --shards N       the same, i read from JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or
                   SLURM_ARRAY_TASK_ID (Slurm job array); see resources/deploy/`,
  },
  merge: {
    summary: "bring shard projects (label --shard) into the folder's project, then classify once",
    synopsis: ['samantic merge <project|folder> <shard project>... [--recursive] [--json]'],
    details: `Copies each shard's finished images, cached embeddings and segments into the project, one
transaction per shard. Idempotent: a photo the project has already (merged before, or in two
shards) is kept once. A shard made with another model or preprocessing is refused and nothing is
merged. Then the folder is clustered once, or, once it holds user decisions, the new segments are
classified into the user's classes (nothing the user decided changes).`,
  },
  export: {
    summary: 'write the labelled dataset (every class, never segments marked as background)',
    synopsis: [
      'samantic export <project|folder> --out <file|dir> [--format coco|yolo-seg|masks|labelme]',
      '                [--polygon|--rle] [--split 0.8,0.1,0.1] [--seed N] [--classes 1,2] [--copy-images]',
    ],
    details: `  --format coco|yolo-seg|masks|labelme   default coco
      coco      one COCO json (--out file.json); with --split, a folder of train/val/test.json
      yolo-seg  Ultralytics layout: images/<split>/, labels/<split>/*.txt, data.yaml
      masks     one 8-bit class-index PNG per image (0 = background) and classes.json
      labelme   one labelme json per image (imagePath relative to it)
  --polygon | --rle            COCO segmentation (default polygons; masks with holes as RLE)
  --split 0.8,0.1,0.1          train,val[,test] by image, every class in train where it can be
  --seed N                     the split's seed (default 0): the same seed gives the same split
  --classes 3,5                only these class ids (see samantic classes <project>)
  --copy-images                yolo-seg: copy the photos instead of hard-linking them

A folder is written whole and then moved into place; an existing --out folder is replaced only
if it is empty or an earlier Samantic export.`,
  },
  import: {
    summary: "bring existing annotations into a folder's project as the user's own segments",
    synopsis: ['samantic import <folder|project> (--coco file.json | --labelme [dir] | --yolo-seg dir) [--skip-bad] [--model <id>]'],
    details: `Brings existing annotations into the project as the user's own segments (with embeddings, so
they teach the classifier and "select similar" finds them); their categories become classes (a
class of the same name receives them). Images the file names that are not in the folder are
reported and skipped. A malformed annotation (polygon of < 3 points, RLE of another size than the
image, unknown category, bbox outside the image) is reported with its file and id, and the import
changes nothing unless --skip-bad leaves such annotations out.

  --coco file.json     a COCO instances file (file_name relative to the photo folder)
  --labelme [dir]      labelme json files under dir (default: the photo folder)
  --yolo-seg dir       an Ultralytics dataset folder holding data.yaml
  --skip-bad           import the good annotations and list the bad ones
  --model <id|dir>     the model that embeds the segments (default: the project's)
  --device auto|cpu|cuda|webgpu|dml|coreml`,
  },
  classes: {
    summary: 'list, rename, merge or re-cluster the classes of a project',
    synopsis: [
      'samantic classes <project|folder> [list | rename <id> <name> | merge <id> <id> ...]',
      'samantic classes <project|folder> recluster [--granularity fewer|more|N]',
    ],
    details: `  list                      every class: id, colour, name, segments, images, status (default)
  rename <id> <name>        name a class (a decision: re-clustering keeps it)
  merge <into> <id> ...     move the other classes' segments into the first
  recluster                 group again every segment no decision covers (what you named,
                            assigned or removed stays as it is; undo in the app takes it back)
  --granularity fewer|more  about 30 % fewer / more automatic classes than now
  --granularity N           about N automatic classes

The last line adds the segments up: those in classes are exported, unassigned ones are not.`,
  },
  info: {
    summary: "print a project's summary (never writes)",
    synopsis: ['samantic info <project|folder> [--json]'],
  },
  serve: {
    summary: 'serve the app to a browser (HTTP + WebSocket) for one folder',
    synopsis: [
      'samantic serve [folder] [--port N] [--host 127.0.0.1] [--token T | --no-token] [--allow DIR ...]',
      '               [--model <id|dir>] [--state-dir DIR] [--renderer-dir DIR]',
    ],
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
      'samantic bench [folder ...] [--count 6] [--preset sam|seed|pruned] [--points-per-side N]',
      '               [--model test-sam|sam-b-shape|mobile-sam-shape] [--skip-peer] [--skip-cluster-scale]',
      '               [--encode-ahead on|off] [--amg-workers N] [--memory-images N] [--memory-points-per-side N]',
      '               [--memory-only] [--compare-pruned] [--json]',
      'samantic bench --prompts [folder] [--clicks 200] [--model test-sam] [--json]',
      'samantic bench --decoder-batch [--device cpu] [--batches 1,4,16,64] [--prompts 64] [--rounds 5] [--threads N] [--json]',
      'samantic bench --merge [--merge-images 400] [--merge-shards 4] [--segments-per-image 60] [--merge-photo-kb 200] [--json]',
    ],
  },
  'bench-quality': {
    summary: 'quality benchmark on synthetic pizzas: per-category precision, recall, IoU',
    synopsis: ['samantic bench-quality [--count 20] [--seed 1] [--preset sam|seed] [--prune] [--overlay file.png] [--json]'],
  },
  'bench-annotate': {
    summary: 'simulated annotator: actions needed per round of new photos until every label is right',
    synopsis: ['samantic bench-annotate [--count 20] [--seeds 1,2] [--points-per-side N] [--explain] [--json]'],
  },
};

/** `samantic <command> --help`. */
export function commandHelp(name: string): string {
  const c = COMMANDS[name];
  const details = c.details ? `\n${c.details.trimEnd()}\n` : '';
  return `samantic ${name}: ${c.summary}\n\nusage:\n${c.synopsis.map((l) => `  ${l}`).join('\n')}\n${details}`;
}

/** `samantic --help`: every synopsis. */
export function fullUsage(): string {
  const lines = Object.values(COMMANDS).flatMap((c) => c.synopsis.map((l) => `  ${l}`));
  return `samantic — turn a folder of photos into a labelled segmentation dataset\n\nusage:\n${lines.join('\n')}\n\nRun 'samantic <command> --help' for one command.\n`;
}

/** Whether argv asks for help (anywhere, so `samantic label x --help` helps too). */
export const wantsHelp = (argv: readonly string[]): boolean => argv.includes('--help') || argv.includes('-h');
