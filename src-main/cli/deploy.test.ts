// The batch-engine files under resources/deploy/ hold together: the fields that make a Kubernetes
// Job run one resumable worker per shard, the Slurm array the same, the same N everywhere, and the
// container the paths they use. (`kubectl apply --dry-run=client` checks more where a kubectl is.)
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseShardsOption } from '../core/pipeline/shard';

const REPO = resolve(__dirname, '..', '..');
const DEPLOY = join(REPO, 'resources', 'deploy');
const read = (name: string) => readFileSync(join(DEPLOY, name), 'utf8');

interface Container {
  image: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value: string }[];
  resources: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
}

interface Job {
  apiVersion: string;
  kind: string;
  spec: Record<string, unknown> & {
    template: {
      spec: { restartPolicy: string; containers: Container[]; volumes: { name: string; persistentVolumeClaim?: { claimName: string } }[] };
    };
  };
}

const job = parse(read('kubernetes-job.yaml')) as Job;
const merge = parse(read('kubernetes-merge.yaml')) as Job;
const worker = job.spec.template.spec.containers[0];
const argv = [...(worker.command ?? []), ...(worker.args ?? [])];
const completions = job.spec.completions as number;

/** The claim a container path lives on. */
function claimOf(j: Job, c: Container, path: string): string | undefined {
  const mount = c.volumeMounts.find((m) => path === m.mountPath || path.startsWith(`${m.mountPath}/`));
  return j.spec.template.spec.volumes.find((v) => v.name === mount?.name)?.persistentVolumeClaim?.claimName;
}

describe('resources/deploy/kubernetes-job.yaml', () => {
  it('is an Indexed Job with retries per index, never two pods on one index', () => {
    expect(job).toMatchObject({ apiVersion: 'batch/v1', kind: 'Job' });
    expect(job.spec.completionMode).toBe('Indexed');
    expect(job.spec.backoffLimitPerIndex).toBeGreaterThanOrEqual(1);
    // backoffLimitPerIndex needs restartPolicy Never; Failed: the replacement waits for the old pod.
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    expect(job.spec.podReplacementPolicy).toBe('Failed');
    expect(Number.isInteger(completions) && completions >= 1).toBe(true);
    expect(job.spec.parallelism).toBeLessThanOrEqual(completions);
  });

  it('asks for one GPU per worker and runs it with cuda', () => {
    expect(worker.resources.limits?.['nvidia.com/gpu']).toBe(1);
    expect(worker.resources.requests?.['nvidia.com/gpu'] ?? 1).toBe(1);
    expect(argv[argv.indexOf('--device') + 1]).toBe('cuda');
  });

  it('runs label --shards N with the same N as completions, the index from Kubernetes', () => {
    expect(argv.slice(0, 2)).toEqual(['label', argv[1]]);
    expect(argv).not.toContain('--shard');
    const n = argv[argv.indexOf('--shards') + 1];
    expect(Number(n)).toBe(completions);
    expect(worker.env?.some((e) => e.name === 'JOB_COMPLETION_INDEX')).toBe(false);
    // Every index Kubernetes hands out is a shard, and the one after the last is not.
    expect(parseShardsOption(n, { JOB_COMPLETION_INDEX: String(completions - 1) })).toEqual({ index: completions - 1, count: completions });
    expect(() => parseShardsOption(n, { JOB_COMPLETION_INDEX: String(completions) })).toThrow(/does not exist/);
  });

  it('keeps the folder (and so the shard projects) on a shared volume, the models on another', () => {
    expect(claimOf(job, worker, argv[1])).toBeTruthy();
    const models = worker.env?.find((e) => e.name === 'SAMANTIC_MODELS_DIR')?.value;
    expect(models).toBeTruthy();
    expect(claimOf(job, worker, models!)).toBeTruthy();
    expect(claimOf(job, worker, models!)).not.toBe(claimOf(job, worker, argv[1]));
  });

  it('kubernetes-merge.yaml merges exactly those N shard projects of the same folder on the same volume', () => {
    const c = merge.spec.template.spec.containers[0];
    const line = [...(c.command ?? []), ...(c.args ?? [])].join(' ');
    const m = /samantic merge (\S+) (\S+)\/\.samantic\/shard-\*-of-(\d+)\.db/.exec(line);
    expect(m, line).not.toBeNull();
    expect(m![1]).toBe(argv[1]);
    expect(m![2]).toBe(argv[1]);
    expect(Number(m![3])).toBe(completions);
    expect(claimOf(merge, c, argv[1])).toBe(claimOf(job, worker, argv[1]));
    expect(c.resources.limits?.['nvidia.com/gpu']).toBeUndefined();
  });
});

describe('resources/deploy/slurm-array.sh', () => {
  const script = read('slurm-array.sh');
  const sbatch = (flag: string) => new RegExp(`^#SBATCH --${flag}=(.+)$`, 'm').exec(script)?.[1];
  const shards = Number(/^SHARDS=(\d+)$/m.exec(script)?.[1]);

  it('is an array of 0..N-1 with one GPU per task, N the same as --shards', () => {
    expect(sbatch('array')).toBe(`0-${shards - 1}`);
    expect(sbatch('gres')).toBe('gpu:1');
    expect(script).toMatch(/label "\$FOLDER" --shards "\$SHARDS" .*--device cuda/);
    expect(script).toContain(`shard-*-of-${shards}.db`);
    expect(parseShardsOption(String(shards), { SLURM_ARRAY_TASK_ID: String(shards - 1) }).index).toBe(shards - 1);
  });

  it('is valid bash', () => {
    const r = spawnSync('bash', ['-n', join(DEPLOY, 'slurm-array.sh')], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  });
});

describe('resources/deploy/Containerfile', () => {
  const file = read('Containerfile');

  it('copies paths that exist, runs samantic, and looks for models where the Job mounts them', () => {
    for (const m of file.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
      for (const path of m[1].split(' ')) expect(existsSync(join(REPO, path)), path).toBe(true);
    }
    expect(file).toMatch(/^ENTRYPOINT \["samantic"\]$/m);
    expect(job.spec.template.spec.containers[0].image).toMatch(/samantic-worker/);
    const models = worker.env?.find((e) => e.name === 'SAMANTIC_MODELS_DIR')?.value;
    expect(file).toContain(`SAMANTIC_MODELS_DIR=${models}`);
  });
});
