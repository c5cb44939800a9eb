// The columns the generator carries once masks are RLE-encoded, SAM's small-region post-processing
// on them (SamAutomaticMaskGenerator.postprocess_small_regions) and the final AmgMask records.

import type { AmgMask, BoxXYXY, Rle } from '../types';
import { samBoxXYXY, samXYWHFromXYXY } from '../mask/measure';
import { rleArea } from '../mask/rle';
import { cleanSmallRegions } from '../mask/regions-window';
import { MaskData } from './mask-data';
import { batchedNms } from './nms';

/** Columns of encoded masks; boxes are SAM's inclusive xyxy in the coordinates of the stage. */
export type RleColumns = {
  rles: Rle[];
  boxes: BoxXYXY[];
  iouPreds: number[];
  points: [number, number][];
  stability: number[];
};

export type RecordColumns = RleColumns & { cropBoxes: BoxXYXY[] };

export function emptyRleColumns(): RleColumns {
  return { rles: [], boxes: [], iouPreds: [], points: [], stability: [] };
}

export function emptyRecordColumns(): RecordColumns {
  return { ...emptyRleColumns(), cropBoxes: [] };
}

/**
 * Fills holes, then removes islands, smaller than minArea in every mask; a mask that changed gets
 * score 0 and one that did not score 1, so the following NMS (at nmsThresh, SAM passes
 * max(box_nms_thresh, crop_nms_thresh)) prefers untouched masks. Kept changed masks take their new
 * RLE and box. Each mask is cleaned on a window around it (cleanSmallRegions), one at a time.
 */
export function postprocessSmallRegions(data: MaskData<RecordColumns>, minArea: number, nmsThresh: number): MaskData<RecordColumns> {
  const n = data.length;
  if (n === 0) return data;
  const rles = data.get('rles');
  const newBoxes: BoxXYXY[] = [];
  const scores: number[] = [];
  const changedRles = new Map<number, Rle>();
  for (let i = 0; i < n; i++) {
    const cleaned = cleanSmallRegions(rles[i], minArea);
    scores.push(cleaned.changed ? 0 : 1);
    newBoxes.push(samBoxXYXY(cleaned.box));
    if (cleaned.changed) changedRles.set(i, cleaned.rle);
  }
  const keep = batchedNms(newBoxes, scores, new Float64Array(n), nmsThresh);
  const outRles = rles.slice();
  const outBoxes = data.get('boxes').slice();
  for (const i of keep) {
    const r = changedRles.get(i);
    if (r) {
      outRles[i] = r;
      outBoxes[i] = newBoxes[i];
    }
  }
  const updated = data.with('rles', outRles).with('boxes', outBoxes) as MaskData<RecordColumns>;
  return updated.select(keep);
}

/** SAM's output records (generate()): bbox and crop_box as XYWH, area from the RLE. */
export function toAmgMasks(data: MaskData<RecordColumns>): AmgMask[] {
  const out: AmgMask[] = [];
  const rles = data.get('rles');
  const boxes = data.get('boxes');
  const ious = data.get('iouPreds');
  const stab = data.get('stability');
  const points = data.get('points');
  const crops = data.get('cropBoxes');
  for (let i = 0; i < data.length; i++) {
    out.push({
      rle: rles[i],
      bbox: samXYWHFromXYXY(boxes[i]),
      area: rleArea(rles[i]),
      predictedIou: ious[i],
      stabilityScore: stab[i],
      point: [points[i][0], points[i][1]],
      cropBox: samXYWHFromXYXY(crops[i]),
    });
  }
  return out;
}
