// What an annotation file says, before it is checked against the project: images named by their
// path relative to the photo folder, each with annotations that carry a class name and a shape.
import type { SplitName } from '../export/types';
import type { Rle } from '../types';

import type { ImportFormat } from '../vocab';

export { IMPORT_FORMATS, type ImportFormat } from '../vocab';

/** A shape in image pixels, pixel-corner convention (COCO's). */
export type ImportShape =
  | { kind: 'polygons'; polygons: number[][]; /** x in [0, 1] of the width, y of the height (YOLO). */ normalized?: boolean }
  | { kind: 'rle'; rle: Rle };

export interface ImportAnnotation {
  /** How the file names it, for messages: 'annotation id 17', 'shape 2', 'line 3'. */
  ref: string;
  /** The file it came from. */
  file: string;
  /** null when the file refers to a category it does not define (reported as a problem). */
  className: string | null;
  shape: ImportShape | null;
  /** COCO's [x, y, w, h] when given, checked against the image. */
  bbox?: number[];
  /** Problems found while reading (e.g. a polygon of 2 points); more are found against the image. */
  problems: string[];
}

export interface ImportImage {
  /** Relative to the photo folder, '/'-separated; null when the file points outside it. */
  relPath: string | null;
  /** The name as the file gives it, for messages. */
  name: string;
  file: string;
  /** Size the file states, when it states one. */
  width?: number;
  height?: number;
  split?: SplitName;
  /** The path without extension may match a project image of any extension (YOLO labels). */
  matchStem?: boolean;
  /** Annotations whose image the file does not list: always problems, never "missing image". */
  orphan?: boolean;
  annotations: ImportAnnotation[];
}

export interface ImportDocument {
  format: ImportFormat;
  /** File or folder read. */
  source: string;
  /** Class names in the file's order. */
  categories: string[];
  images: ImportImage[];
}

export interface ImportProblem {
  file: string;
  image: string;
  ref: string;
  message: string;
}
