// `samantic bench --merge`: what `samantic merge` costs, on synthetic shard projects shaped like SAM
// ViT-B's (a 256x64x64 float16 embedding per photo, K segments of 256-d embeddings each). The
// photos are files of random bytes: the merge hashes them and never decodes them. Prints a worker's
// scan of its share (against hashing the whole folder), the merge's scan, the copy (photos/s,
// MB/s) and the clustering; asserts nothing.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rleBboxCoco } from '../../core/mask';
import { scanFolder } from '../../core/pipeline/scan';
import { fileInShard, formatShard, SHARE_SAMPLE_BYTES, shardProjectPath } from '../../core/pipeline/shard';
import { META_MODEL, META_SHARD } from '../../core/service/service';
import { mergeShards } from '../../core/service/sharding';
import { META_KEYS, ProjectStore, type NewSegment } from '../../core/store/project-store';
import { intFlag, parseCommandArgs } from '../../core/util/args';
import { mulberry32 } from '../../core/util/random';

export interface MergeBenchOptions {
  images: number;
  shards: number;
  segmentsPerImage: number;
  /** Size of each photo file (random bytes), in KB. */
  photoKb: number;
}

export interface MergeBenchResult extends MergeBenchOptions {
  /** A worker's scan of the folder for its share (mean over the shards), and hashing every photo instead. */
  workerScanSeconds: number;
  wholeHashSeconds: number;
  /** Bytes a worker reads of the photos (its share whole, a sample of the rest), mean over the shards; all of them. */
  workerReadBytes: number;
  folderBytes: number;
  /** Bytes of all shard projects together, and of the merged project. */
  shardBytes: number;
  mergedBytes: number;
  /** Opening the shards, scanning (hashing) the folder and planning. */
  scanSeconds: number;
  copySeconds: number;
  imagesPerSecond: number;
  megabytesPerSecond: number;
  clusterSeconds: number;
  totalSeconds: number;
  classes: number;
}

const W = 640;
const H = 480;
const CLASSES = 6;

/** One shard project holding its share of `folder`, as `samantic label --shard` leaves it. */
async function writeShard(
  folder: string,
  index: number,
  o: MergeBenchOptions,
  centres: Float32Array[],
): Promise<{ file: string; scanSeconds: number; readBytes: number }> {
  const spec = { index, count: o.shards };
  const file = shardProjectPath(folder, spec);
  const store = ProjectStore.open(file, { create: true });
  const rnd = mulberry32(index + 1);
  let scanSeconds = 0;
  let readBytes = 0;
  try {
    store.setMeta(META_MODEL, 'bench-sam-b');
    store.setMeta(META_KEYS.preprocessVersion, 'bench');
    store.setMeta(META_SHARD, formatShard(spec));
    const t0 = performance.now();
    await scanFolder(store, folder, {
      belongs: async (f, size, relPath) => {
        const mine = await fileInShard(f, size, relPath, spec);
        readBytes += mine ? size : Math.min(size, 2 * SHARE_SAMPLE_BYTES);
        return mine;
      },
    });
    scanSeconds = (performance.now() - t0) / 1000;
    const data = new Float32Array(256 * 64 * 64);
    for (const img of store.listImages()) {
      for (let k = 0; k < data.length; k++) data[k] = rnd() - 0.5;
      const segments: NewSegment[] = Array.from({ length: o.segmentsPerImage }, () => {
        const start = Math.floor(rnd() * (W * H - 5000));
        const len = 500 + Math.floor(rnd() * 4000);
        const rle = { size: [H, W] as [number, number], counts: [start, len, W * H - start - len] };
        const centre = centres[Math.floor(rnd() * CLASSES)];
        const embedding = centre.map((c) => c + (rnd() - 0.5) * 0.2);
        const box = rleBboxCoco(rle);
        return {
          rle,
          bbox: box,
          area: len,
          predictedIou: 0.88 + rnd() * 0.1,
          stabilityScore: 0.92 + rnd() * 0.07,
          point: [rnd() * W, rnd() * H] as [number, number],
          cropBox: [0, 0, W, H] as [number, number, number, number],
          embedding,
        };
      });
      const transform = { origWidth: W, origHeight: H, scale: 1024 / W, resizedWidth: 1024, resizedHeight: 768, frameSize: 1024 };
      store.commitImageResult(img.id, segments, {
        width: W,
        height: H,
        embedding: {
          key: { contentHash: img.contentHash, modelId: 'bench-sam-b', preprocessVersion: 'bench' },
          embedding: { data, channels: 256, gridH: 64, gridW: 64, transform },
        },
      });
    }
  } finally {
    store.close();
  }
  return { file, scanSeconds, readBytes };
}

const sizeOf = (file: string) => statSync(file).size + (statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0);

export async function runMergeBench(o: MergeBenchOptions, log: (line: string) => void): Promise<MergeBenchResult> {
  const root = mkdtempSync(join(tmpdir(), 'samantic-merge-bench-'));
  try {
    const folder = join(root, 'photos');
    mkdirSync(folder);
    // Random bytes under a photo's name, so hashing costs what a photo of that size does.
    for (let i = 0; i < o.images; i++)
      writeFileSync(join(folder, `photo-${String(i).padStart(6, '0')}.jpg`), randomBytes(o.photoKb * 1000));
    const rnd = mulberry32(99);
    const centres = Array.from({ length: CLASSES }, () => Float32Array.from({ length: 256 }, () => rnd() - 0.5));
    log(`writing ${o.shards} shard projects of ${o.images} photos in all (${o.segmentsPerImage} segments each)`);
    const shards: string[] = [];
    let workerScan = 0;
    let workerRead = 0;
    for (let i = 0; i < o.shards; i++) {
      const w = await writeShard(folder, i, o, centres);
      shards.push(w.file);
      workerScan += w.scanSeconds;
      workerRead += w.readBytes;
    }
    // What each worker would read if the share were decided by the whole content hash.
    const whole = ProjectStore.open(join(root, 'whole.db'), { create: true });
    const t0 = performance.now();
    await scanFolder(whole, folder);
    const wholeHashSeconds = (performance.now() - t0) / 1000;
    whole.close();
    const shardBytes = shards.reduce((n, f) => n + sizeOf(f), 0);

    log('merging');
    const report = await mergeShards({ folder, shards });
    const mergedBytes = sizeOf(report.project);
    const { scan, copy, classify } = report.seconds;
    return {
      ...o,
      workerScanSeconds: workerScan / o.shards,
      wholeHashSeconds,
      workerReadBytes: workerRead / o.shards,
      folderBytes: o.images * o.photoKb * 1000,
      shardBytes,
      mergedBytes,
      scanSeconds: scan,
      copySeconds: copy,
      imagesPerSecond: report.imported / copy,
      megabytesPerSecond: mergedBytes / 1e6 / copy,
      clusterSeconds: classify,
      totalSeconds: scan + copy + classify,
      classes: report.classes,
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

export async function runMergeBenchCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    merge: { type: 'boolean' },
    'merge-images': { type: 'string' },
    'merge-shards': { type: 'string' },
    'segments-per-image': { type: 'string' },
    'merge-photo-kb': { type: 'string' },
    json: { type: 'boolean' },
  });
  const o: MergeBenchOptions = {
    images: intFlag('merge-images', values['merge-images'], 400),
    shards: intFlag('merge-shards', values['merge-shards'], 4),
    segmentsPerImage: intFlag('segments-per-image', values['segments-per-image'], 60),
    photoKb: intFlag('merge-photo-kb', values['merge-photo-kb'], 200),
  };
  const r = await runMergeBench(o, (line) => process.stderr.write(`${line}\n`));
  const mb = (b: number) => `${(b / 1e6).toFixed(0)} MB`;
  process.stdout.write(
    values.json
      ? JSON.stringify(r, null, 2) + '\n'
      : [
          `a worker's scan for its share (${r.images} photos of ${r.photoKb} KB): reads ${mb(r.workerReadBytes)} of ${mb(r.folderBytes)}, ${r.workerScanSeconds.toFixed(2)} s; hashing every photo instead: ${r.wholeHashSeconds.toFixed(2)} s`,
          `merge of ${r.shards} shards, ${r.images} photos, ${r.segmentsPerImage} segments each (${mb(r.shardBytes)} of shard projects)`,
          `  scan and plan   ${r.scanSeconds.toFixed(1)} s`,
          `  copy            ${r.copySeconds.toFixed(1)} s: ${r.imagesPerSecond.toFixed(0)} photos/s, ${r.megabytesPerSecond.toFixed(0)} MB/s (${mb(r.mergedBytes)} merged project)`,
          `  clustering      ${r.clusterSeconds.toFixed(1)} s (${r.images * r.segmentsPerImage} segments, ${r.classes} classes)`,
          `  total           ${r.totalSeconds.toFixed(1)} s`,
        ].join('\n') + '\n',
  );
  return 0;
}
