// `samantic export | classes | info <project>`: work on an existing project without processing.
// <project> is a project file (.db) or the photo folder holding .samantic/project.db.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { SamanticError } from '../core/errors';
import { parseSplitRatios } from '../core/export/split';
import { createService, projectFolderOf } from '../core/service/service';
import type { Service } from '../core/service/types';
import { ProjectStore } from '../core/store/project-store';
import { oneOf, parseCommandArgs as parseCli } from '../core/util/args';
import { DATASET_FORMATS, DEVICE_CHOICES, type DeviceChoice, type ExportFormat, type ImportFormat } from '../core/vocab';
import { segmentSentence, tallySegments } from './summary';
import type { ReclusterArgs } from '../core/api/contract';
import { MAX_RECLUSTER_CLASSES } from '../core/api/dispatch';

interface OpenOptions {
  /** A folder without a project gets one (import). */
  create?: boolean;
  model?: string;
  device?: DeviceChoice;
  /** Read-only (info, export): works beside a running writer and never changes the project file. */
  readOnly?: boolean;
}

/** Opens the project named on the command line without touching the model. */
async function openProject(arg: string | undefined, opts: OpenOptions = {}): Promise<Service> {
  if (!arg) throw new SamanticError('invalid-argument', 'Name a project file or a photo folder, e.g. samantic info ~/photos');
  const p = resolve(arg);
  if (!existsSync(p))
    throw new SamanticError('not-found', `'${arg}' does not exist. Name a project file (.samantic/project.db) or a labelled folder.`);
  let folder: string;
  let projectFile: string;
  if (statSync(p).isDirectory()) {
    folder = p;
    projectFile = ProjectStore.defaultPath(p);
    if (!existsSync(projectFile) && !opts.create) {
      throw new SamanticError(
        'not-found',
        `Folder '${arg}' has no Samantic project yet (${projectFile} is missing). Run 'samantic label ${arg}' first.`,
      );
    }
  } else {
    projectFile = p;
    folder = projectFolderOf(p);
  }
  const service = await createService({ readOnly: opts.readOnly });
  try {
    await service.api.openFolder({ folder, project: projectFile, model: opts.model, device: opts.device });
  } catch (err) {
    await service.close();
    throw err;
  }
  return service;
}

function parseIdList(text: string, flag: string): number[] {
  const ids = text.split(',').map((s) => s.trim());
  return ids.map((s) => parseId(s, flag));
}

export async function runExport(argv: string[]): Promise<number> {
  const { values, positionals } = parseCli(argv, {
    out: { type: 'string' },
    format: { type: 'string' },
    polygon: { type: 'boolean' },
    rle: { type: 'boolean' },
    split: { type: 'string' },
    seed: { type: 'string' },
    classes: { type: 'string' },
    'copy-images': { type: 'boolean' },
  });
  if (!values.out) throw new SamanticError('invalid-argument', 'export needs --out <file.json|folder>. See samantic export --help.');
  if (values.polygon && values.rle) throw new SamanticError('invalid-argument', 'Choose one of --polygon and --rle.');
  // '--format polygon|rle' is the older spelling of COCO with that segmentation.
  const legacy = values.format === 'polygon' || values.format === 'rle' ? (values.format as ExportFormat) : undefined;
  const format = legacy ? 'coco' : oneOf('format', values.format, DATASET_FORMATS, 'coco');
  const segmentation: ExportFormat = values.rle ? 'rle' : values.polygon ? 'polygon' : (legacy ?? 'polygon');
  if ((values.rle || values.polygon) && format !== 'coco') {
    throw new SamanticError(
      'invalid-argument',
      `--polygon and --rle choose the COCO segmentation; they do not apply to --format ${format}.`,
    );
  }
  let seed: number | undefined;
  if (values.seed !== undefined) {
    seed = Number(values.seed);
    if (!Number.isSafeInteger(seed) || seed < 0 || seed > 2 ** 31 - 1)
      throw new SamanticError('invalid-argument', `--seed must be a whole number from 0 to 2147483647, got '${values.seed}'.`);
  }
  if (seed !== undefined && !values.split)
    throw new SamanticError('invalid-argument', '--seed only applies with --split, e.g. --split 0.8,0.1,0.1 --seed 1.');
  // Checked before the project opens, so a typo costs nothing.
  if (values.split) parseSplitRatios(values.split);
  const classIds = values.classes ? parseIdList(values.classes, '--classes') : undefined;
  const service = await openProject(positionals[0], { readOnly: true });
  try {
    const r = await service.api.exportDataset({
      out: resolve(values.out),
      format,
      segmentation,
      classIds,
      split: values.split,
      seed,
      images: values['copy-images'] ? 'copy' : 'link',
    });
    const splits = Object.entries(r.splits)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    process.stdout.write(
      `wrote ${r.out} (${r.format}: ${r.images} images, ${r.instances} instances, ${r.classes} classes${splits ? `; ${splits}` : ''})\n`,
    );
    return 0;
  } finally {
    await service.close();
  }
}

export async function runImport(argv: string[]): Promise<number> {
  // '--labelme' may stand alone (the photo folder); parseArgs needs a value for a string flag.
  const args = argv.flatMap((a, i) =>
    a === '--labelme' && (argv[i + 1] === undefined || argv[i + 1].startsWith('--')) ? ['--labelme', ''] : [a],
  );
  const { values, positionals } = parseCli(args, {
    coco: { type: 'string' },
    labelme: { type: 'string' },
    'yolo-seg': { type: 'string' },
    'skip-bad': { type: 'boolean' },
    model: { type: 'string' },
    device: { type: 'string' },
  });
  const given = (['coco', 'labelme', 'yolo-seg'] as const).filter((f) => values[f] !== undefined);
  if (given.length !== 1) {
    throw new SamanticError(
      'invalid-argument',
      'import needs exactly one of --coco file.json, --labelme [dir] or --yolo-seg dir. See samantic import --help.',
    );
  }
  const format: ImportFormat = given[0];
  if (positionals.length !== 1)
    throw new SamanticError(
      'invalid-argument',
      'import needs the photo folder (or its project file): samantic import <folder> --coco file.json',
    );
  const raw = values[format] as string;
  const target = resolve(positionals[0]);
  const device = oneOf('device', values.device, DEVICE_CHOICES, 'auto');
  // A folder without a project gets one: importing is a way to start.
  const service = await openProject(positionals[0], { create: true, model: values.model, device });
  try {
    const folder = service.folder() ?? target;
    const source = raw === '' ? folder : resolve(raw);
    if (!existsSync(source)) throw new SamanticError('not-found', `${raw} does not exist; check the path of the ${format} annotations.`);
    const r = await service.api.importAnnotations({ format, source, skipBad: values['skip-bad'] });
    const out = process.stdout;
    out.write(`imported ${r.instances} annotations on ${r.images} images from ${source}\n`);
    if (r.classesCreated.length) out.write(`new classes: ${r.classesCreated.join(', ')}\n`);
    if (r.classesMatched.length) out.write(`added to existing classes: ${r.classesMatched.join(', ')}\n`);
    if (r.missingImages.length) {
      out.write(
        `skipped ${r.missingImages.length} image(s) named in the file but not in ${folder}: ${r.missingImages.slice(0, 10).join(', ')}${r.missingImages.length > 10 ? ', ...' : ''}\n`,
      );
    }
    for (const p of r.skipped) out.write(`left out ${p.file}: ${p.image}, ${p.ref}: ${p.message}\n`);
    return 0;
  } finally {
    await service.close();
  }
}

function parseId(s: string | undefined, what: string): number {
  const n = Number(s);
  if (!s || !Number.isSafeInteger(n) || n < 1)
    throw new SamanticError(
      'invalid-argument',
      `${what} must be a class id (a positive integer), got '${s ?? ''}'. Run 'samantic classes <project>' to list them.`,
    );
  return n;
}

/** --granularity fewer|more|N as recluster arguments ({} without it: the automatic choice). */
function parseGranularity(value: string | undefined): ReclusterArgs {
  if (value === undefined) return {};
  if (value === 'fewer' || value === 'more') return { granularity: value };
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_RECLUSTER_CLASSES)
    throw new SamanticError(
      'invalid-argument',
      `--granularity must be fewer, more or a number of classes from 1 to ${MAX_RECLUSTER_CLASSES}, got '${value}'.`,
    );
  return { classes: n };
}

export async function runClasses(argv: string[]): Promise<number> {
  const { values, positionals } = parseCli(argv, { granularity: { type: 'string' } });
  const [projectArg, action = 'list', ...rest] = positionals;
  if (values.granularity !== undefined && action !== 'recluster')
    throw new SamanticError(
      'invalid-argument',
      `--granularity goes with recluster: samantic classes <project> recluster --granularity fewer`,
    );
  const granularity = parseGranularity(values.granularity);
  const service = await openProject(projectArg);
  const api = service.api;
  try {
    if (action === 'rename') {
      const name = rest.slice(1).join(' ');
      await api.renameClass({ classId: parseId(rest[0], 'rename'), name });
    } else if (action === 'merge') {
      if (rest.length < 2)
        throw new SamanticError('invalid-argument', 'merge needs at least two class ids: samantic classes <project> merge <into> <id> ...');
      const ids = rest.map((s) => parseId(s, 'merge'));
      await api.mergeClasses({ classIds: ids, into: ids[0] });
    } else if (action === 'recluster') {
      // Regroups only what no user decision covers; undo in the app takes it back.
      const before = (await api.listClasses()).length;
      const after = (await api.recluster(granularity)).length;
      process.stdout.write(`re-clustered: ${before} -> ${after} classes; what you named, assigned or removed stayed\n`);
    } else if (action !== 'list') {
      throw new SamanticError(
        'invalid-argument',
        `Unknown classes action '${action}': use list, rename <id> <name>, merge <id> <id> ... or recluster`,
      );
    }
    const classes = await api.listClasses();
    for (const c of classes) {
      process.stdout.write(
        `${String(c.id).padStart(4)}  ${c.color}  ${c.name.padEnd(16)} ${String(c.segmentCount).padStart(6)} segments  ${c.imageCount} images  ` +
          `${c.status}${c.unreviewed > 0 ? `, ${c.unreviewed} unreviewed` : ''}\n`,
      );
    }
    const summary = await api.getSummary();
    if (classes.length === 0 && !summary?.segments) process.stdout.write('no classes yet (process the folder first)\n');
    else if (summary) process.stdout.write(`${segmentSentence(tallySegments(summary.segments, classes))}\n`);
    return 0;
  } finally {
    await service.close();
  }
}

export async function runInfo(argv: string[]): Promise<number> {
  const { values, positionals } = parseCli(argv, { json: { type: 'boolean' } });
  const service = await openProject(positionals[0], { readOnly: true });
  try {
    const s = await service.api.getSummary();
    if (!s) return 1;
    if (values.json) {
      process.stdout.write(JSON.stringify(s, null, 2) + '\n');
    } else {
      process.stdout.write(
        [
          `folder   ${s.folder}`,
          `project  ${s.projectFile}`,
          `model    ${s.modelId}`,
          `images   ${s.images.total} (${s.images.done} done, ${s.images.pending} pending, ${s.images.failed} failed)`,
          `segments ${s.segments}`,
          `classes  ${s.classes}`,
          `history  ${s.canUndo ? 'can undo' : 'nothing to undo'}, ${s.canRedo ? 'can redo' : 'nothing to redo'}`,
        ].join('\n') + '\n',
      );
    }
    return 0;
  } finally {
    await service.close();
  }
}
