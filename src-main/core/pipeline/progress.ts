// What processing a folder reports as it goes: the pipeline emits these, the transports carry them
// to the CLI's progress line and the renderer's processing view unchanged.
import type { ImageStatus } from '../vocab';

export type ProgressEvent =
  | { type: 'start'; total: number; provider: string }
  | {
      type: 'phase';
      imageId: number;
      relPath: string;
      phase: string;
      /** Share of this phase done, 0..1, where the phase can tell (segment: decoder points done / total). */
      fraction?: number;
      /** This image's place in the run (1-based) and the run's size, so "image 1/6" shows from the first second. */
      index?: number;
      total?: number;
    }
  | {
      type: 'image';
      imageId: number;
      relPath: string;
      status: ImageStatus;
      error: string | null;
      segments: number;
      done: number;
      total: number;
      imagesPerSecond: number;
      etaSeconds: number | null;
    }
  | { type: 'clustering' }
  | { type: 'done'; done: number; failed: number; classes: number; seconds: number; cancelled: boolean };
