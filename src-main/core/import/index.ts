// Reading existing annotations (COCO, labelme, YOLO segmentation) and checking them against a
// project. The service writes the plan (service/import.ts).
import { readCoco } from './coco';
import { readLabelme } from './labelme';
import type { ImportDocument, ImportFormat } from './types';
import { readYolo } from './yolo';

export * from './types';
export { describeProblems, planImport, type ImportPlan, type PlannedInstance, type ProjectImageRef } from './plan';

/** Reads `source` (a COCO file, a labelme folder, a YOLO dataset folder) for the photo folder `folder`. */
export function readAnnotations(format: ImportFormat, source: string, folder: string): ImportDocument {
  if (format === 'coco') return readCoco(source, folder);
  if (format === 'labelme') return readLabelme(source, folder);
  return readYolo(source);
}
