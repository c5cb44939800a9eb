// Quality benchmark: N seeded synthetic pizzas with ground truth, the whole pipeline (test model,
// AMG, segment embeddings, clustering across the folder), then discovered classes matched one to
// one with the ground-truth categories. Prints instance precision/recall at IoU 0.5, semantic mIoU,
// the number of classes and the time per phase, and writes an overlay picture to look at.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { ClassInfo, PresetName, SegmentInfo } from '../../core/api/contract';
import { rleToMask } from '../../core/mask';
import { decompressRle } from '../../core/coco/rle';
import type { ProcessFolderResult } from '../../core/pipeline/process-folder';
import { createService } from '../../core/service/service';
import { GROUND_TRUTH_FILE, writePizzaFolder, type CocoGroundTruth } from '../synth/writer';
import { computeQualityMetrics, type QualityImage, type QualityReport } from './quality-metrics';

export interface QualityBenchOptions {
  count: number;
  seed: number;
  preset: PresetName;
  model: string;
  /** Where to write the overlay PNG; null for none. */
  overlayFile: string | null;
  /** Existing folder to use instead of generating one (must hold ground-truth.json). */
  folder?: string;
  /** Skip grid prompts inside already kept masks (AmgOptions.pruneInsideKept) on top of the preset. */
  prune?: boolean;
}

export interface QualityBenchResult {
  report: QualityReport;
  classes: ClassInfo[];
  run: ProcessFolderResult | null;
  clusterSeconds: number;
  totalSeconds: number;
  overlayFile: string | null;
  provider: string | null;
}

interface ImageSegments {
  relPath: string;
  width: number;
  height: number;
  segments: SegmentInfo[];
}

/** Writes a grid of up to `max` images with each segment filled in its class colour. */
export async function writeOverlay(folder: string, images: ImageSegments[], classes: ClassInfo[], file: string, max = 4): Promise<void> {
  const colour = new Map(classes.map((c) => [c.id, [1, 3, 5].map((i) => parseInt(c.color.slice(i, i + 2), 16))]));
  const tiles: Buffer[] = [];
  const picked = images.slice(0, max);
  const tileW = Math.max(...picked.map((i) => i.width));
  const tileH = Math.max(...picked.map((i) => i.height));
  for (const img of picked) {
    const { data, info } = await sharp(join(folder, img.relPath))
      .removeAlpha()
      .resize(tileW, tileH, { fit: 'contain', position: 'left top', background: '#000' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    const px = new Uint8Array(data);
    // Larger segments first, so smaller ones (the things) stay visible on top.
    const segs = [...img.segments].filter((s) => s.classId !== null).sort((a, b) => b.area - a.area);
    for (const s of segs) {
      const rgb = colour.get(s.classId as number);
      if (!rgb) continue;
      const m = rleToMask(decompressRle(s.rle));
      for (let y = 0; y < m.height; y++) {
        for (let x = 0; x < m.width; x++) {
          if (!m.data[y * m.width + x]) continue;
          const o = (y * info.width + x) * 3;
          for (let c = 0; c < 3; c++) px[o + c] = Math.round(px[o + c] * 0.45 + rgb[c] * 0.55);
        }
      }
    }
    tiles.push(Buffer.from(px));
  }
  const cols = Math.min(2, tiles.length);
  const rows = Math.ceil(tiles.length / cols);
  await sharp({ create: { width: cols * tileW, height: rows * tileH, channels: 3, background: '#000' } })
    .composite(
      tiles.map((t, i) => ({
        input: t,
        raw: { width: tileW, height: tileH, channels: 3 as const },
        left: (i % cols) * tileW,
        top: Math.floor(i / cols) * tileH,
      })),
    )
    .png()
    .toFile(file);
}

export async function runQualityBench(o: QualityBenchOptions, log: (line: string) => void = () => {}): Promise<QualityBenchResult> {
  const started = performance.now();
  const scratch = mkdtempSync(join(tmpdir(), 'samantic-quality-'));
  const folder = o.folder ?? join(scratch, 'pizzas');
  try {
    if (!o.folder) {
      log(`generating ${o.count} synthetic pizzas (seed ${o.seed})`);
      await writePizzaFolder(folder, { count: o.count, seed: o.seed });
    }
    const gt = JSON.parse(readFileSync(join(folder, GROUND_TRUTH_FILE), 'utf8')) as CocoGroundTruth;
    const service = await createService({
      stateDir: scratch,
      onWarning: (m) => log(`warning: ${m}`),
      ...(o.prune ? { amgOverrides: { pruneInsideKept: true } } : {}),
    });
    let clusterStart = 0;
    let clusterSeconds = 0;
    service.onEvent((e) => {
      if (e.type === 'image') log(`  ${e.done}/${e.total} ${e.relPath}: ${e.status === 'failed' ? e.error : `${e.segments} segments`}`);
      if (e.type === 'clustering') clusterStart = performance.now();
      if (e.type === 'done' && clusterStart) clusterSeconds = (performance.now() - clusterStart) / 1000;
    });
    try {
      await service.api.openFolder({ folder, project: join(scratch, 'project.db'), model: o.model, device: 'cpu' });
      const summary = await service.api.process({ preset: o.preset });
      const classes = await service.api.listClasses();
      const images: ImageSegments[] = [];
      for (const img of await service.api.listImages()) {
        images.push({
          relPath: img.relPath,
          width: img.width,
          height: img.height,
          segments: await service.api.listSegments({ imageId: img.id }),
        });
      }
      const catName = new Map(gt.categories.map((c) => [c.id, c.name]));
      const quality: QualityImage[] = gt.images.map((gi) => {
        const mine = images.find((i) => i.relPath === gi.file_name);
        return {
          name: gi.file_name,
          gt: gt.annotations
            .filter((a) => a.image_id === gi.id)
            .map((a) => ({ category: catName.get(a.category_id) as string, mask: a.segmentation })),
          pred: (mine?.segments ?? []).map((s) => ({ classId: s.classId, mask: s.rle })),
        };
      });
      const report = computeQualityMetrics(quality);
      if (o.overlayFile) await writeOverlay(folder, images, classes, o.overlayFile);
      return {
        report,
        classes,
        run: service.lastRun(),
        clusterSeconds,
        totalSeconds: (performance.now() - started) / 1000,
        overlayFile: o.overlayFile,
        provider: summary.provider,
      };
    } finally {
      await service.close();
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export function formatQualityReport(r: QualityBenchResult): string {
  const pct = (v: number) => (100 * v).toFixed(1).padStart(6);
  const lines = ['category     class        GT   pred    TP  precision  recall   F1     IoU'];
  for (const c of r.report.categories) {
    const cls = r.classes.find((k) => k.id === c.classId);
    lines.push(
      `${c.category.padEnd(12)} ${(cls?.name ?? '-').padEnd(10)} ${String(c.gtInstances).padStart(5)} ${String(c.predInstances).padStart(6)} ${String(c.truePositives).padStart(5)}  ${pct(c.precision)}   ${pct(c.recall)} ${pct(c.f1)} ${pct(c.iou)}`,
    );
  }
  const q = r.report;
  lines.push(
    `classes found: ${q.classesFound} (${q.classesMatched} matched to a category)`,
    `mean precision ${pct(q.meanPrecision)} %, mean recall ${pct(q.meanRecall)} %, semantic mIoU ${pct(q.mIoU)} %`,
    `class-agnostic: ${q.agnostic.truePositives}/${q.agnostic.gtInstances} instances found (recall ${pct(q.agnostic.recall)} %), precision ${pct(q.agnostic.precision)} %`,
  );
  const p = r.run?.phases;
  if (p && r.run) {
    const n = Math.max(1, r.run.processed);
    const ms = (v: number) => `${(v / n).toFixed(0)} ms`;
    lines.push(
      `time per image (${n} images on ${r.provider}): decode image ${ms(p.decodeImageMs)}, encode ${ms(p.encodeMs + p.encodeAheadMs)}${p.encodeAheadMs > 0 ? ' (in the encoder worker, overlapped)' : ''}, ` +
        `AMG ${ms(p.amgMs)} (of which decoder model ${ms(p.decodeModelMs)}), segment embeddings ${ms(p.embedMs)}, database ${ms(p.dbMs)}`,
      `decoder prompts per image: ${(p.decoderPrompts / n).toFixed(0)}`,
      `clustering ${r.clusterSeconds.toFixed(2)} s for the folder; total ${r.totalSeconds.toFixed(1)} s`,
    );
  }
  if (r.overlayFile) lines.push(`overlay picture: ${r.overlayFile}`);
  return lines.join('\n');
}
