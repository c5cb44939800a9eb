// The dataset every export format writes, as plain data: the project's images (with their split),
// the exported classes in the user's order and one instance per exported segment.
import type { Rle } from '../types';

import type { DatasetFormat } from '../vocab';

export { DATASET_FORMATS, type DatasetFormat } from '../vocab';

export type SplitName = 'train' | 'val' | 'test';
export const SPLIT_NAMES: readonly SplitName[] = ['train', 'val', 'test'];

export interface DatasetImage {
  id: number;
  /** Relative to the photo folder, '/'-separated. */
  relPath: string;
  width: number;
  height: number;
  /** null when the export has no split. */
  split: SplitName | null;
}

export interface DatasetClass {
  /** The project's class id. */
  id: number;
  name: string;
  /** '#rrggbb'. */
  color: string;
}

export interface DatasetInstance {
  segmentId: number;
  imageId: number;
  /** The project's class id (one of DatasetInput.classes). */
  classId: number;
  /** Original image pixels, size [height, width]. */
  rle: Rle;
  area: number;
}

export interface DatasetInput {
  /** Absolute path of the photo folder the relPaths are relative to. */
  folder: string;
  images: DatasetImage[];
  classes: DatasetClass[];
  instances: DatasetInstance[];
  /** The split ratios used (train, val, test), or null for no split. */
  splitRatios: [number, number, number] | null;
}

export interface DatasetExportResult {
  /** The file or folder written. */
  out: string;
  format: DatasetFormat;
  images: number;
  instances: number;
  classes: number;
  /** Images per split, when split. */
  splits: Partial<Record<SplitName, number>>;
}
