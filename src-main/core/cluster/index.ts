// Public surface of the clustering module (what the service, CLI and benchmarks call).

export { clusterSegments, clusterSegmentsAsync, orderBySize } from './cluster-segments';
export type { ClusterClass, ClusterInput, ClusterOptions, ClusterResult, GroupReport, SegmentMeta } from './cluster-segments';
export { dbscan, dbscanAsync, SEED_DBSCAN_PRESET, type DbscanOptions } from './dbscan';
export { kneeIndex } from './auto-eps';
export { splitCluster, splitClusterAsync, nearestSegments, type SplitOptions, type NearestOptions } from './refine';
export { findContainers, countParts, type NestedMode, type NestedOptions } from './nested';
export { CLASS_PALETTE, classColor, className } from '../labels/palette';
export { loadNativeGemm, createOrtGemm, type NativeGemm } from './ort-gemm';
export { jsGemm, jsGemmAsync, runSync, runAsync, type AsyncGemm, type SyncGemm, type GemmRequest } from './gemm';
export { normalizeRows, checkUnitRows } from './vectors';
export type { ClusterMode } from './options';
