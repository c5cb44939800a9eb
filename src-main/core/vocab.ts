// The words that cross every boundary (CLI flags, API arguments, the renderer's pickers), each
// defined once as a const list; the types derive from the lists, and validators read the same lists.
// Pure data: the renderer reaches this file through the API contract.

/** Execution providers onnxruntime-node may be asked for, in no order of preference. */
export const PROVIDERS = ['cpu', 'cuda', 'webgpu', 'dml', 'coreml'] as const;
export type Provider = (typeof PROVIDERS)[number];

/** What a user may ask for: a provider, or 'auto' (the best one that starts, else CPU). */
export const DEVICE_CHOICES = ['auto', ...PROVIDERS] as const;
export type DeviceChoice = (typeof DEVICE_CHOICES)[number];

/** AMG presets: SAM's own generator settings, or the fast seed settings. */
export const PRESET_NAMES = ['sam', 'seed'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/** How a COCO export writes masks: pixel-edge polygons, or compressed RLE. */
export const EXPORT_FORMATS = ['polygon', 'rle'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const IMAGE_STATUSES = ['pending', 'done', 'failed'] as const;
export type ImageStatus = (typeof IMAGE_STATUSES)[number];

/** Clustering modes: DBSCAN with a given eps, or 'auto' (eps at the knee of the k-distance curve). */
export const CLUSTER_MODES = ['auto', 'dbscan'] as const;
export type ClusterMode = (typeof CLUSTER_MODES)[number];

/** What a dataset export writes: COCO json, Ultralytics YOLO segmentation, class-index PNGs, labelme json. */
export const DATASET_FORMATS = ['coco', 'yolo-seg', 'masks', 'labelme'] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

/** Annotation files an import reads. */
export const IMPORT_FORMATS = ['coco', 'labelme', 'yolo-seg'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];
