// `samantic label <folder> --shard i/N | --shards N` (one worker of a batch job) and
// `samantic merge <project|folder> <shard project>...` (bring the workers' projects together and
// classify once). The work itself is in core/service/sharding.ts.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AmgOptions } from '../core/amg/options';
import { SamanticError } from '../core/errors';
import { formatShard, parseShardOption, parseShardsOption, shardProjectPath, type ShardSpec } from '../core/pipeline/shard';
import { createService, projectFolderOf } from '../core/service/service';
import { mergeShards, shardShare } from '../core/service/sharding';
import { parseCommandArgs } from '../core/util/args';
import type { PresetName } from '../core/vocab';
import type { DeviceChoice } from '../core/vocab';
import type { ProgressSink } from './progress';

/** The shard of `--shard i/N` or `--shards N` (index from the batch engine), or undefined for neither. */
export function shardOf(shard: string | undefined, shards: string | undefined): ShardSpec | undefined {
  if (shard !== undefined && shards !== undefined) {
    throw new SamanticError('invalid-argument', 'Give either --shard i/N or --shards N (index from the batch engine), not both.');
  }
  if (shard !== undefined) return parseShardOption(shard);
  if (shards !== undefined) return parseShardsOption(shards, process.env);
  return undefined;
}

export interface LabelShardArgs {
  folder: string;
  shard: ShardSpec;
  preset: PresetName;
  device: DeviceChoice;
  amgOverrides?: Partial<AmgOptions>;
  model?: string;
  project?: string;
  recursive?: boolean;
  progress: ProgressSink;
  json: boolean;
  /** --shards N: the batch engine runs this shard once at a time (see ServiceOptions.takeOverShardLock). */
  fromEngine: boolean;
}

/** One worker: its share of the folder into its own project; no clustering, no export. */
export async function runLabelShard(a: LabelShardArgs): Promise<number> {
  const name = formatShard(a.shard);
  const warnings: string[] = [];
  const failures: { file: string; reason: string }[] = [];
  const service = await createService({
    amgOverrides: a.amgOverrides,
    shard: a.shard,
    takeOverShardLock: a.fromEngine,
    onWarning: (m) => {
      warnings.push(m);
      a.progress.line(`warning: ${m}`);
    },
  });
  service.onEvent((e) => {
    if (e.type === 'start') a.progress.line(`shard ${name}: processing ${e.total} image(s) on ${e.provider}`);
    if (e.type === 'image') {
      if (e.status === 'failed') {
        failures.push({ file: e.relPath, reason: e.error ?? 'unknown error' });
        a.progress.line(`skipped ${e.relPath}: ${e.error}`);
      }
      a.progress.update(e.done, e.total, e.relPath, e.imagesPerSecond, e.etaSeconds);
    }
  });
  let projectFile: string;
  let report: Record<string, unknown>;
  try {
    const project = a.project ?? shardProjectPath(a.folder, a.shard);
    const opened = await service.api.openFolder({ folder: a.folder, project, model: a.model, device: a.device, recursive: a.recursive });
    if (opened.images.total === 0) {
      throw new SamanticError(
        'folder-empty',
        `No images in '${a.folder}'${a.recursive ? '' : ' (add --recursive to look in sub-folders)'}.`,
      );
    }
    const summary = await service.api.process({ preset: a.preset });
    a.progress.end();
    const run = service.lastRun();
    projectFile = summary.projectFile;
    report = {
      folder: a.folder,
      project: projectFile,
      shard: name,
      model: summary.modelId,
      provider: summary.provider,
      encoded: run?.encoded ?? 0,
      cacheHits: run?.cacheHits ?? 0,
      segments: run?.segments ?? 0,
      failed: failures,
      warnings,
      seconds: run?.seconds ?? 0,
    };
  } finally {
    await service.close();
  }
  const share = shardShare(projectFile);
  if (a.json) process.stdout.write(JSON.stringify({ ...report, share }, null, 2) + '\n');
  else {
    const lines = [
      `shard ${name}: ${share.done}/${share.total} images of its share done (${report.encoded} encoded, ${report.cacheHits} from cache, ` +
        `${share.failed} failed) in ${(report.seconds as number).toFixed(1)} s on ${report.provider}`,
      ...failures.map((f) => `failed: ${f.file}: ${f.reason}`),
      `wrote ${projectFile}`,
      `when every shard is done: samantic merge ${a.folder} ${a.project ? '<shard projects>' : `${a.folder}/.samantic/shard-*-of-${a.shard.count}.db`}`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
  }
  return share.failed > 0 && share.done === 0 ? 1 : 0;
}

export async function runMerge(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { recursive: { type: 'boolean' }, json: { type: 'boolean' } });
  if (positionals.length < 2) {
    throw new SamanticError(
      'invalid-argument',
      'merge needs the project (or folder) and at least one shard: samantic merge <project|folder> <shard>...',
    );
  }
  const target = resolve(positionals[0]);
  const isFolder = existsSync(target) && statSync(target).isDirectory();
  // A new project is made only where the name says so: a mistyped folder must not become a file.
  if (!existsSync(target) && !target.endsWith('.db')) {
    throw new SamanticError(
      'folder-missing',
      `'${positionals[0]}' is neither a folder nor a project file. Give the photo folder, or a project file ending in .db.`,
    );
  }
  const folder = isFolder ? target : existsSync(target) ? projectFolderOf(target) : undefined;
  const say = (text: string) => process.stderr.write(`${text}\n`);
  const r = await mergeShards({
    folder,
    project: isFolder ? undefined : target,
    shards: positionals.slice(1),
    recursive: values.recursive ? true : undefined,
    onLine: values.json ? undefined : say,
  });
  if (values.json) {
    process.stdout.write(JSON.stringify(r, null, 2) + '\n');
    return 0;
  }
  const already = r.shards.reduce((n, s) => n + s.already, 0);
  const how = { clustered: 'clustered the folder into', classified: "classified into the user's classes:", none: 'classes unchanged:' };
  const lines = [
    `merged ${r.shards.length} shard(s) into ${r.project}: ${r.imported} image(s), ${r.segments} segment(s) ` +
      `(${already} already there); ${how[r.classification]} ${r.classes} classes`,
    ...r.shards.map(
      (s) =>
        `  ${s.file}${s.shard ? ` (shard ${s.shard})` : ''}: ${s.imported} of ${s.done} finished image(s) merged, ${s.segments} segments` +
        (s.notInFolder.length ? `; ${s.notInFolder.length} no longer in the folder: ${s.notInFolder.slice(0, 5).join(', ')}` : ''),
    ),
    ...(r.unprocessed > 0
      ? [
          `${r.unprocessed} image(s) of the folder are not processed yet: run their shards again (or samantic label ${r.folder}), then merge again.`,
        ]
      : []),
    `next: samantic export ${r.folder} --out coco.json`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
  return 0;
}
