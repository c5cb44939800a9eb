// Samantic's own AMG post-processing (AMG time minus decoder-model time) on the two shared photos
// whose sizes match the peer figures of the performance issue: SAM's reference generator
// (facebookresearch/segment-anything, torch on CPU, stand-in model) spent 5.4 s per 800x534 image
// and 48.8 s per 2250x1500 image at points_per_side 32 on this machine's kind of 2-core box.
import { join } from 'node:path';
import { SAM_DEFAULTS, type AmgOptions } from '../amg/options';
import { loadImage } from '../image/load';
import type { Segmenter } from '../pipeline/segmenter';
import type { ImageEmbedding } from '../types';

export interface PeerFigure {
  file: string;
  width: number;
  height: number;
  /** The reference generator's own post-processing, seconds per image (issue "performance"). */
  peerSeconds: number;
}

export const PEER_FIGURES: readonly PeerFigure[] = [
  { file: 'bulldog.jpg', width: 800, height: 534, peerSeconds: 5.4 },
  { file: 'lighthouse.jpg', width: 2250, height: 1500, peerSeconds: 48.8 },
];

/** The points per side the peer figures were taken at (SAM's default). */
export const PEER_POINTS_PER_SIDE = 32;

export interface PeerVariant {
  name: string;
  /** Laid over SAM's defaults. */
  amg: Partial<AmgOptions>;
}

/**
 * SAM's defaults, and the same with the predicted-IoU filter off so that every one of the 3072
 * candidate masks reaches the stability score, as in the peer's measurement ("almost all of it is
 * computing the stability score over 3072 full-resolution logit maps"): the like-for-like figure.
 */
export const PEER_VARIANTS: readonly PeerVariant[] = [
  { name: 'SAM defaults', amg: {} },
  { name: 'all 3072 scored', amg: { predIouThresh: 0 } },
];

export interface PeerRow {
  file: string;
  width: number;
  height: number;
  variant: string;
  peerSeconds: number;
  /** AMG minus decoder model, seconds. */
  postSeconds: number;
  decoderSeconds: number;
  masks: number;
  /** peerSeconds / postSeconds. */
  speedup: number;
}

export interface PeerResult {
  rows: PeerRow[];
  /** Photos that were missing or not of the peer's size. */
  skipped: string[];
}

export async function runPeerComparison(
  photosDir: string,
  segmenter: Segmenter,
  log: (line: string) => void = () => {},
): Promise<PeerResult> {
  const rows: PeerRow[] = [];
  const skipped: string[] = [];
  for (const peer of PEER_FIGURES) {
    const file = join(photosDir, peer.file);
    let loaded;
    try {
      loaded = await loadImage(file);
    } catch (err) {
      skipped.push(`${file}: ${(err as Error).message}`);
      continue;
    }
    if (loaded.width !== peer.width || loaded.height !== peer.height) {
      skipped.push(`${file} is ${loaded.width}x${loaded.height}, not the peer's ${peer.width}x${peer.height}`);
      continue;
    }
    // Encode once; the variants reuse the embedding so only the AMG is timed.
    let embedding: ImageEmbedding | null = null;
    for (const v of PEER_VARIANTS) {
      const amg = { ...SAM_DEFAULTS, pointsPerSide: PEER_POINTS_PER_SIDE, ...v.amg };
      log(`  peer: ${peer.file} (${v.name}) ...`);
      const seg = await segmenter.segment(loaded.image, { amg, cached: embedding });
      embedding = seg.embedding;
      const postSeconds = (seg.timings.amgMs - seg.timings.decodeModelMs) / 1000;
      rows.push({
        file: peer.file,
        width: peer.width,
        height: peer.height,
        variant: v.name,
        peerSeconds: peer.peerSeconds,
        postSeconds,
        decoderSeconds: seg.timings.decodeModelMs / 1000,
        masks: seg.masks.length,
        speedup: peer.peerSeconds / postSeconds,
      });
    }
  }
  return { rows, skipped };
}
