// `samantic label <folder>`: encode, automatic masks, embeddings, clustering and COCO export in one
// go, resumable (a second run on the same folder encodes nothing).
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { SamanticError } from '../core/errors';
import { checkJsonTarget } from '../core/coco/target';
import { createService } from '../core/service/service';
import { oneOf, parseCommandArgs as parseCli } from '../core/util/args';
import { DEVICE_CHOICES, EXPORT_FORMATS, PRESET_NAMES } from '../core/vocab';
import { createProgress } from './progress';
import { runLabelShard, shardOf } from './shard-commands';
import { plural, segmentSentence, tallySegments } from './summary';

export async function runLabel(argv: string[]): Promise<number> {
  const { values, positionals } = parseCli(argv, {
    out: { type: 'string' },
    model: { type: 'string' },
    preset: { type: 'string' },
    device: { type: 'string' },
    project: { type: 'string' },
    format: { type: 'string' },
    recursive: { type: 'boolean' },
    json: { type: 'boolean' },
    'points-per-side': { type: 'string' },
    shard: { type: 'string' },
    shards: { type: 'string' },
  });
  if (positionals.length !== 1) {
    throw new SamanticError('invalid-argument', 'label needs exactly one folder: samantic label <folder> [--out coco.json]');
  }
  const folder = resolve(positionals[0]);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw new SamanticError('folder-missing', `Folder '${positionals[0]}' does not exist or is not a folder. Check the path.`);
  }
  const shard = shardOf(values.shard, values.shards);
  if (shard && values.out !== undefined) {
    throw new SamanticError(
      'invalid-argument',
      'A shard exports nothing (--out): merge the shards, then export: samantic merge <folder> <shard>...',
    );
  }
  const preset = oneOf('preset', values.preset, PRESET_NAMES, 'sam');
  const format = oneOf('format', values.format, EXPORT_FORMATS, 'polygon');
  const device = oneOf('device', values.device, DEVICE_CHOICES, 'auto');
  const json = Boolean(values.json);
  const progress = createProgress(process.stderr, json ? 'json' : 'auto');
  const warnings: string[] = [];
  const pps = values['points-per-side'];
  if (pps !== undefined && !(Number.isInteger(Number(pps)) && Number(pps) >= 1 && Number(pps) <= 128)) {
    throw new SamanticError('invalid-argument', `--points-per-side must be an integer from 1 to 128 (got '${pps}').`);
  }
  const amgOverrides = pps !== undefined ? { pointsPerSide: Number(pps) } : undefined;
  if (shard)
    return runLabelShard({
      ...values,
      folder,
      shard,
      preset,
      device,
      amgOverrides,
      progress,
      json,
      fromEngine: values.shards !== undefined,
    });
  // Checked before any image is processed: a bad --out must not cost a whole run.
  const out = checkJsonTarget(resolve(values.out ?? 'coco.json'));
  const service = await createService({
    amgOverrides,
    onWarning: (m) => {
      warnings.push(m);
      progress.line(`warning: ${m}`);
    },
  });
  const failures: { file: string; reason: string }[] = [];
  let announced = -1;
  service.onEvent((e) => {
    if (e.type === 'start') progress.line(`processing ${plural(e.total, 'image')} on ${e.provider}`);
    if (e.type === 'phase' && e.index !== undefined && e.total !== undefined) {
      // From the first image on, not only once it is done: encoding one can take a while.
      const within = e.fraction !== undefined && e.phase === 'segment' ? ` ${Math.floor(100 * e.fraction)}%` : '';
      progress.status(`image ${e.index}/${e.total} ${e.relPath}: ${e.phase}${within}`, e.index !== announced);
      announced = e.index;
    }
    if (e.type === 'image') {
      if (e.status === 'failed') {
        failures.push({ file: e.relPath, reason: e.error ?? 'unknown error' });
        progress.line(`skipped ${e.relPath}: ${e.error}`);
      }
      progress.update(e.done, e.total, e.relPath, e.imagesPerSecond, e.etaSeconds);
    }
    if (e.type === 'clustering') progress.line('clustering segments of all images');
  });
  const api = service.api;
  try {
    progress.line(`opening ${folder}`);
    const opened = await api.openFolder({ folder, project: values.project, model: values.model, device, recursive: values.recursive });
    if (opened.images.total === 0) {
      throw new SamanticError(
        'folder-empty',
        `No images in '${folder}' (looked for .jpg, .png, .webp, .tif, .avif, .gif${values.recursive ? '' : '; add --recursive to look in sub-folders'}).`,
      );
    }
    const summary = await api.process({ preset });
    progress.end();
    const run = service.lastRun();
    // A run that produced nothing must not replace an earlier, useful export with an empty one.
    if (summary.images.done === 0 && existsSync(out)) {
      for (const f of failures) progress.line(`failed: ${f.file}: ${f.reason}`);
      throw new SamanticError(
        'folder-empty',
        `No image was processed successfully (${summary.images.failed} failed), so ${out} was left as it was. ` +
          'Fix the cause shown above and run the same command again: failed images are retried on every run.',
      );
    }
    const exported = await api.exportCoco({ out, format });
    const classes = await api.listClasses();
    const report = {
      folder,
      project: summary.projectFile,
      model: summary.modelId,
      provider: summary.provider,
      images: summary.images,
      encoded: run?.encoded ?? 0,
      cacheHits: run?.cacheHits ?? 0,
      segments: summary.segments,
      unassigned: summary.segments - tallySegments(summary.segments, classes).assigned,
      classes: classes.map((c) => ({ id: c.id, name: c.name, segments: c.segmentCount, images: c.imageCount })),
      failed: failures,
      warnings,
      seconds: run?.seconds ?? 0,
      out: exported.file,
      annotations: exported.annotations,
    };
    if (json) {
      process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    } else {
      const lines = [
        `done: ${summary.images.done}/${plural(summary.images.total, 'image')} (${report.encoded} encoded, ${report.cacheHits} from cache, ${failures.length} failed) in ${report.seconds.toFixed(1)} s on ${summary.provider}`,
        `${segmentSentence(tallySegments(summary.segments, classes))}${classes.length > 0 ? ':' : ''}`,
        ...classes
          .slice(0, 15)
          .map((c) => `  ${c.name.padEnd(12)} ${plural(c.segmentCount, 'segment').padStart(14)} in ${plural(c.imageCount, 'image')}`),
        ...(classes.length > 15 ? [`  ... and ${classes.length - 15} more`] : []),
        ...failures.map((f) => `failed: ${f.file}: ${f.reason}`),
        ...(failures.length
          ? [
              `${failures.length} image(s) failed: fix the cause above and run the same command again; failed images are retried on every run.`,
            ]
          : []),
        `wrote ${exported.file} (${plural(exported.images, 'image')}, ${plural(exported.annotations, 'annotation')}, ${plural(exported.categories, 'category', 'categories')})`,
      ];
      process.stdout.write(lines.join('\n') + '\n');
    }
    return summary.images.failed > 0 && summary.images.done === 0 ? 1 : 0;
  } finally {
    await service.close();
  }
}
