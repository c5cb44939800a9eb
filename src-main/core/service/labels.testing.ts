// Test support (imported by *.test.ts only): what the project holds for each segment's label,
// read straight from the file beside the service's writer, background segments included.
import { ProjectStore } from '../store/project-store';

export interface StoredLabel {
  classId: number | null;
  removed: boolean;
  decided: boolean;
}

/** Every segment's label in the folder's project (opened read-only, closed again). */
export function storedLabels(folder: string): Map<number, StoredLabel> {
  const store = ProjectStore.open(ProjectStore.defaultPath(folder), { readOnly: true });
  try {
    return new Map(
      [...store.loadLabelState().segments].map(([id, l]) => [id, { classId: l.classId, removed: l.removed, decided: l.decided }]),
    );
  } finally {
    store.close();
  }
}
