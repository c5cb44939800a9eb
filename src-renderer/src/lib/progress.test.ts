import { describe, expect, it } from 'vitest';
import type { ProgressEvent } from '@contract';
import { emptyProgress, foldEvent, imageFraction, imageStage, runFraction, type Progress } from './progress';

function fold(events: ProgressEvent[], from: Progress = emptyProgress()): Progress {
  return events.reduce(foldEvent, from);
}

const at = (imageId: number, index: number) => ({ imageId, relPath: `p-${imageId}.png`, index, total: 3 });
const image = (imageId: number, done: number): ProgressEvent => ({
  type: 'image',
  imageId,
  relPath: `p-${imageId}.png`,
  status: 'done',
  error: null,
  segments: 12,
  done,
  total: 3,
  imagesPerSecond: 0.5,
  etaSeconds: 4,
});

describe('processing progress in the UI', () => {
  it('shows the phase and the fraction within "segment", and counts the image in hand in the run', () => {
    const p = fold([
      { type: 'start', total: 3, provider: 'cpu' },
      { type: 'phase', ...at(1, 1), phase: 'decode' },
      image(1, 1),
      { type: 'phase', ...at(2, 2), phase: 'segment', fraction: 0.5 },
    ]);
    expect(imageStage(p.perImage[2], 'pending')).toBe('segment 50 %');
    expect(imageStage(p.perImage[1], 'pending')).toBe('done');
    expect(imageStage(undefined, 'pending')).toBe('pending');
    expect(imageFraction(p.perImage[2])).toBeCloseTo(0.25 + 0.75 * 0.5);
    expect(runFraction(p)).toBeCloseTo((1 + 0.625) / 3);
    // Later in the same phase, further along; the run never goes back.
    const later = foldEvent(p, { type: 'phase', ...at(2, 2), phase: 'segment', fraction: 0.9 });
    expect(runFraction(later)).toBeGreaterThan((1 + 0.625) / 3);
  });

  it('after Cancel the image in hand is "cancelled", not still "segment", and the run has stopped', () => {
    const p = fold([
      { type: 'start', total: 3, provider: 'cpu' },
      image(1, 1),
      { type: 'phase', ...at(2, 2), phase: 'segment', fraction: 0.3 },
      { type: 'done', done: 1, failed: 0, classes: 0, seconds: 9, cancelled: true },
    ]);
    expect(p.running).toBe(false);
    expect(p.finished?.cancelled).toBe(true);
    expect(p.perImage[2].status).toBe('cancelled');
    expect(imageStage(p.perImage[2], 'pending')).toBe('cancelled');
    expect(imageFraction(p.perImage[2])).toBe(0);
    expect(p.perImage[1].status).toBe('done');
  });

  it('a page opened mid-run learns the run from the first phase event', () => {
    const p = fold([{ type: 'phase', ...at(3, 3), phase: 'encode' }]);
    expect(p).toMatchObject({ running: true, total: 3, done: 2, current: 'p-3.png' });
    expect(imageStage(p.perImage[3], 'pending')).toBe('encode');
  });
});
