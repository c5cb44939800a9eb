// The one API contract shared by the Electron IPC bridge, the HTTP/WebSocket server transport, the
// CLI and the renderer's api.ts. Only plain JSON-serialisable data crosses it. This file is types
// plus the method list, and imports only types and the vocabulary lists, so the renderer can import
// it too (as '@contract'). The core's lower layers never import it: they own their domain types,
// which this file re-exports or maps.

import type { DeviceChoice, ExportFormat, ImageStatus, PresetName } from '../vocab';

import type {
  ExportResult,
  ExportDatasetArgs,
  ExportDatasetResult,
  ImportArgs,
  ImportResult,
  MaskRle,
  PromptMaskArgs,
  PromptMaskResult,
  AddSegmentArgs,
  AddSegmentResult,
  EditSegmentMaskArgs,
} from './dataset-types';
// Every dataset and mask-editing type is part of the contract.
export type * from './dataset-types';
export type { ProgressEvent } from '../pipeline/progress';
export type { ClusterMode, DatasetFormat, DeviceChoice, ExportFormat, ImageStatus, ImportFormat, PresetName } from '../vocab';

export interface OpenFolderArgs {
  /** Absolute path of the photo folder. */
  folder: string;
  /** Project file; default <folder>/.samantic/project.db */
  project?: string;
  /** Model id (folder under models/) or a model directory; default 'test-sam' when no real model is present. */
  model?: string;
  device?: DeviceChoice;
  recursive?: boolean;
}

export interface ProjectSummary {
  folder: string;
  projectFile: string;
  modelId: string;
  /** Execution provider actually in use once the model is loaded (e.g. 'cpu', 'webgpu'), or null before. */
  provider: string | null;
  /**
   * The model this folder was processed with before it was opened with modelId, when they differ and
   * images were processed: images are encoded again with modelId (encodings are per model); the
   * segments already made and the user's classes are kept. null otherwise.
   */
  switchedFrom: string | null;
  images: { total: number; pending: number; done: number; failed: number };
  segments: number;
  classes: number;
  canUndo: boolean;
  canRedo: boolean;
  /** A run of process() is going on (a page opened mid-run shows Cancel, not Resume). */
  processing?: boolean;
  /** What undo would take back, as a person says it ("merge class 3 into class 1"), or null. */
  undoTitle: string | null;
  redoTitle: string | null;
  /** The next undo takes back what processing discovered (its classes): the UI asks first. */
  undoAutomatic: boolean;
}

/** 'auto': made by clustering; 'suggested': new segments no class matched, to accept, merge or dismiss; 'decided': the user's. */
export type ClassStatus = 'auto' | 'suggested' | 'decided';

export interface ImageInfo {
  id: number;
  /** Path relative to the folder, '/' separated. */
  relPath: string;
  width: number;
  height: number;
  status: ImageStatus;
  error: string | null;
  segmentCount: number;
  /** Distinct class ids of this image's segments, most frequent first. */
  classIds: number[];
  /** Segments with a class that no user decision covers yet. */
  unreviewed: number;
}

export interface ClassInfo {
  id: number;
  name: string;
  /** '#rrggbb' */
  color: string;
  order: number;
  status: ClassStatus;
  segmentCount: number;
  imageCount: number;
  /** Members no user decision covers (placed by clustering or the classifier). */
  unreviewed: number;
}

export interface SegmentInfo {
  id: number;
  imageId: number;
  classId: number | null;
  /** pycocotools convention: [x, y, w, h] of the tight box, w and h counting pixels. */
  bbox: [number, number, number, number];
  area: number;
  predictedIou: number;
  stabilityScore: number;
  /** A user decision covers this segment. */
  decided: boolean;
  /** Marked as background on purpose (classId is null); listed only when asked for. */
  background: boolean;
  /** Compressed COCO RLE (pycocotools string) in original image pixels; size is [h, w]. */
  rle: { size: [number, number]; counts: string };
}

export interface ExampleCrop {
  segmentId: number;
  imageId: number;
  bbox: [number, number, number, number];
  /** The segment's mask, from findSegments with masks: true (crops dim all but the segment). */
  rle?: MaskRle;
}

export interface ReclusterArgs {
  mode?: 'auto' | 'dbscan';
  eps?: number;
  minSamples?: number;
  granularity?: 'fewer' | 'more';
  classes?: number;
}

export interface ProcessArgs {
  preset?: PresetName;
}

export interface SplitPreview {
  classId: number;
  k: number;
  /** For each proposed sub-class: its segment ids. */
  groups: number[][];
}

export interface ExportArgs {
  out: string;
  format?: ExportFormat;
  /** Only these classes (default: all). */
  classIds?: number[];
  /** Only images whose every classed segment a user decision covers (default false: all images). */
  reviewedOnly?: boolean;
}

/** One segment of the review queue: the least confident assignments come first. */
export interface ReviewItem {
  segmentId: number;
  imageId: number;
  classId: number;
  bbox: [number, number, number, number];
  /** Share of its labelled look-alikes' votes that agree with its class, 0..1. */
  confidence: number;
  /** The class most of its labelled look-alikes are in, or null when they are mostly background. */
  guessClassId: number | null;
}

/** Segments no decision covers whose labelled look-alikes agree on another place than theirs. */
export interface GuessGroup {
  /** Where their look-alikes say they belong: a class, or null for background. */
  classId: number | null;
  segmentIds: number[];
}

/** A segment that looks like the one just corrected, for "do the same to these". */
export interface LookAlike {
  segmentId: number;
  imageId: number;
  /** Cosine similarity of the embeddings, most similar first. */
  similarity: number;
}

/** What `samantic models list` shows about a model, for the model picker. */
export interface ModelInfo {
  id: string;
  name: string;
  /** Every file the model needs is on disk (generated models: always). */
  present: boolean;
  /** Generated on first use (test-sam, test-sam2, test-edgesam): no download, no learned weights. */
  generated: boolean;
  /** 'sam1' or 'sam2' (model.json), null when model.json is unreadable. */
  family: string | null;
  /** Expected encoder cost on a laptop CPU: 'fast', 'medium' (SAM ViT-B), 'slow', 'very-slow'; null when unknown. */
  speedClass: string | null;
  paramsMillions: number | null;
  /** Bytes on disk when present, else the expected download size when model.json records it; null when unknown. */
  bytes: number | null;
  /** The decoder takes no previous mask (EdgeSAM, EfficientViT-SAM): each click is decoded from all the clicks alone. */
  pointsOnly: boolean;
}

export interface RecentProject {
  folder: string;
  projectFile: string;
  openedAt: string;
}

/** Every method takes at most one plain-object argument and returns a Promise of JSON data. */
export interface SamanticApi {
  listModels(): Promise<ModelInfo[]>;
  listRecent(): Promise<RecentProject[]>;
  openFolder(args: OpenFolderArgs): Promise<ProjectSummary>;
  getSummary(): Promise<ProjectSummary | null>;
  /** Segments, embeds and clusters every pending image; emits ProgressEvents; resolves when done or cancelled. */
  process(args: ProcessArgs): Promise<ProjectSummary>;
  cancel(): Promise<void>;
  listImages(): Promise<ImageInfo[]>;
  /** The image's segments; background ones (removed on purpose) only with includeBackground. */
  listSegments(args: { imageId: number; includeBackground?: boolean }): Promise<SegmentInfo[]>;
  /** Where these segments are (ids that no longer exist are left out); their masks with masks: true. */
  findSegments(args: { segmentIds: number[]; masks?: boolean }): Promise<ExampleCrop[]>;
  listClasses(): Promise<ClassInfo[]>;
  classExamples(args: { classId: number; limit?: number }): Promise<ExampleCrop[]>;
  renameClass(args: { classId: number; name: string }): Promise<ClassInfo[]>;
  /** A class's colour ('#rrggbb'); the class counts as the user's from then on. */
  setClassColor(args: { classId: number; color: string }): Promise<ClassInfo[]>;
  /** These classes first, in this order; the others keep their order after them (shortcut digits follow). */
  reorderClasses(args: { classIds: number[] }): Promise<ClassInfo[]>;
  /** Deletes a class; its segments become unassigned (not background). */
  deleteClass(args: { classId: number }): Promise<ClassInfo[]>;
  mergeClasses(args: { classIds: number[]; into?: number }): Promise<ClassInfo[]>;
  previewSplit(args: { classId: number; k: number }): Promise<SplitPreview>;
  splitClass(args: { classId: number; k: number }): Promise<ClassInfo[]>;
  createClass(args: { segmentIds: number[]; name?: string }): Promise<ClassInfo[]>;
  assignSegments(args: { segmentIds: number[]; classId: number }): Promise<ClassInfo[]>;
  /** "This is background": the segments leave their class and are not exported. */
  removeSegments(args: { segmentIds: number[] }): Promise<ClassInfo[]>;
  /** "No class yet": segments leave their class or the background and wait unassigned. */
  unassignSegments(args: { segmentIds: number[] }): Promise<ClassInfo[]>;
  /** Every segment of the class becomes background and the class goes, as one gesture. */
  removeClass(args: { classId: number }): Promise<ClassInfo[]>;
  selectSimilar(args: { segmentIds: number[]; limit?: number }): Promise<number[]>;
  /**
   * Re-clusters every segment no user decision covers, as one undoable gesture; decisions stay.
   * granularity: about 30 % fewer / more automatic classes than now; classes: about that many.
   */
  recluster(args: ReclusterArgs): Promise<ClassInfo[]>;
  /** "These classes are right" (also accepts suggested classes); their members count as reviewed. */
  confirmClasses(args: { classIds: number[] }): Promise<ClassInfo[]>;
  /** Turns down suggested classes: their segments go back to unsorted. */
  dismissSuggestions(args: { classIds: number[] }): Promise<ClassInfo[]>;
  /** "This segment is right as it is": accepted in review. */
  confirmSegments(args: { segmentIds: number[] }): Promise<ClassInfo[]>;
  /** Unreviewed segments with a class, least confident first. */
  reviewQueue(args: { limit?: number }): Promise<ReviewItem[]>;
  /** Batch review: undecided segments grouped by the confident guess of their look-alikes, largest group first. */
  reviewGuesses(): Promise<GuessGroup[]>;
  /** Takes the guess for a group at once (into classId, or background without one): one undoable gesture. */
  acceptGuesses(args: { segmentIds: number[]; classId?: number }): Promise<ClassInfo[]>;
  /** Segments most like this one that are not in its class (or not background) yet and no decision covers. */
  lookAlikes(args: { segmentId: number; limit?: number; minSimilarity?: number }): Promise<LookAlike[]>;
  /** The project afterwards and the title of the gesture taken back (null when there was none). */
  undo(): Promise<ProjectSummary & { gesture: string | null }>;
  redo(): Promise<ProjectSummary & { gesture: string | null }>;
  exportCoco(args: ExportArgs): Promise<ExportResult>;
  /** Writes the dataset in any format, optionally split into train/val/test. */
  exportDataset(args: ExportDatasetArgs): Promise<ExportDatasetResult>;
  /** Brings existing annotations in as user segments and classes; all or nothing unless skipBad. */
  importAnnotations(args: ImportArgs): Promise<ImportResult>;
  /** Runs SAM's decoder on the image's cached embedding; nothing is saved until addSegment/editSegmentMask. */
  promptMask(args: PromptMaskArgs): Promise<PromptMaskResult>;
  /**
   * Readies clicks on an image (the image view calls it on opening one): loads the decoder and the
   * image's cached embedding into memory, never the encoder. `cached` is false when the image has no
   * cached embedding yet (its first click will encode it).
   */
  preparePrompts(args: { imageId: number }): Promise<{ cached: boolean }>;
  /** A new segment made by the user (one undoable gesture). */
  addSegment(args: AddSegmentArgs): Promise<AddSegmentResult>;
  /** Brush, eraser or a new mask for a segment (one undoable gesture); returns the segment as saved. */
  editSegmentMask(args: EditSegmentMaskArgs): Promise<SegmentInfo>;
  /** Segments of one object become one (the first keeps the union); returns it. */
  mergeSegments(args: { segmentIds: number[] }): Promise<SegmentInfo>;
  /** Deletes segments outright (undo brings them back). */
  deleteSegments(args: { segmentIds: number[] }): Promise<ClassInfo[]>;
}

export type ApiMethod = keyof SamanticApi;

export const API_METHODS: readonly ApiMethod[] = [
  'listModels',
  'listRecent',
  'openFolder',
  'getSummary',
  'process',
  'cancel',
  'listImages',
  'listSegments',
  'findSegments',
  'listClasses',
  'classExamples',
  'renameClass',
  'setClassColor',
  'reorderClasses',
  'deleteClass',
  'mergeClasses',
  'previewSplit',
  'splitClass',
  'createClass',
  'assignSegments',
  'removeSegments',
  'unassignSegments',
  'removeClass',
  'selectSimilar',
  'recluster',
  'confirmClasses',
  'dismissSuggestions',
  'confirmSegments',
  'reviewQueue',
  'reviewGuesses',
  'acceptGuesses',
  'lookAlikes',
  'undo',
  'redo',
  'exportCoco',
  'exportDataset',
  'importAnnotations',
  'promptMask',
  'preparePrompts',
  'addSegment',
  'editSegmentMask',
  'mergeSegments',
  'deleteSegments',
] as const;

/** Error shape that crosses transports: a code a program can test and a message a person can act on. */
export interface ApiErrorPayload {
  code: string;
  message: string;
}
