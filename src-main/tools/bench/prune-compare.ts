// `npm run bench -- --compare-pruned`: SAM's exact generator against the pruned one on the same
// photos and embeddings: decoder prompts, time, and how many of the exact generator's kept masks
// the pruned one also keeps (a match is a mask with IoU >= KEPT_MATCH_IOU). Prints figures only.
import { basename } from 'node:path';
import { AMG_PRESETS, type AmgOptions } from '../../core/amg/options';
import { listImageFiles } from '../../core/image/files';
import { loadImage } from '../../core/image/load';
import { rleOverlapCounts } from '../../core/mask/rle';
import type { SamModel } from '../../core/model/runtime';
import { OnnxSegmenter } from '../../core/pipeline/onnx-segmenter';
import type { AmgMask } from '../../core/types';

/** The "the same mask": IoU at least this. */
export const KEPT_MATCH_IOU = 0.9;

/** Fraction of `reference`'s masks that have a match in `other` (1 when reference is empty). */
export function keptMaskAgreement(reference: readonly AmgMask[], other: readonly AmgMask[], minIou = KEPT_MATCH_IOU): number {
  if (reference.length === 0) return 1;
  let matched = 0;
  for (const r of reference) {
    const hit = other.some((o) => {
      const { intersection, union } = rleOverlapCounts(r.rle, o.rle);
      return union > 0 && intersection / union >= minIou;
    });
    if (hit) matched++;
  }
  return matched / reference.length;
}

export interface PruneComparisonRow {
  file: string;
  prompts: { full: number; pruned: number };
  masks: { full: number; pruned: number };
  ms: { full: number; pruned: number };
  /** Share of the full generator's masks the pruned one keeps too, and the other way round. */
  fullKept: number;
  prunedInFull: number;
}

export async function runPruneComparison(
  dir: string,
  model: SamModel,
  amg: Partial<AmgOptions>,
  log: (line: string) => void,
): Promise<PruneComparisonRow[]> {
  // Only decoding differs: one segmenter, the same embedding for both runs.
  const segmenter = new OnnxSegmenter(model, { encodeAhead: false, amgWorkers: 0 });
  const rows: PruneComparisonRow[] = [];
  for (const file of await listImageFiles(dir)) {
    const { image } = await loadImage(file);
    let t = performance.now();
    const full = await segmenter.segment(image, { amg: { ...AMG_PRESETS.sam, ...amg }, cached: null });
    const fullMs = performance.now() - t - full.timings.encodeMs;
    t = performance.now();
    const pruned = await segmenter.segment(image, { amg: { ...AMG_PRESETS.pruned, ...amg }, cached: full.embedding });
    const prunedMs = performance.now() - t;
    const row: PruneComparisonRow = {
      file: basename(file),
      prompts: { full: full.timings.decoderPrompts ?? 0, pruned: pruned.timings.decoderPrompts ?? 0 },
      masks: { full: full.masks.length, pruned: pruned.masks.length },
      ms: { full: fullMs, pruned: prunedMs },
      fullKept: keptMaskAgreement(full.masks, pruned.masks),
      prunedInFull: keptMaskAgreement(pruned.masks, full.masks),
    };
    log(
      `  ${row.file}: prompts ${row.prompts.full} -> ${row.prompts.pruned}, masks ${row.masks.full} -> ${row.masks.pruned}, ` +
        `${(row.ms.full / 1000).toFixed(1)} s -> ${(row.ms.pruned / 1000).toFixed(1)} s, full masks kept ${(100 * row.fullKept).toFixed(1)} %`,
    );
    rows.push(row);
  }
  await segmenter.stopEncodeAhead();
  return rows;
}
