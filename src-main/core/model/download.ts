// Downloading a model's files: streamed to a temporary file in the model folder while hashing,
// checked (size, SHA-256), then renamed into place, so an interrupted download never looks complete.
// Without a recorded SHA-256 a file is only downloaded when the caller opts out of verification.

import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SamanticError } from '../errors';
import { defaultModelsDir, DESCRIPTOR_FILE, type DownloadFile } from './descriptor';
import { requiredFiles, resolveModel } from './registry';

export interface DownloadProgress {
  file: string;
  /** 0-based index of the file and the number of files to fetch. */
  index: number;
  count: number;
  received: number;
  /** From model.json or Content-Length; null when unknown. */
  total: number | null;
}

export interface DownloadOptions {
  modelsDir?: string;
  onProgress?: (p: DownloadProgress) => void;
  /** Default true: refuse files whose SHA-256 is not recorded, and check recorded ones. */
  verify?: boolean;
  /** Give up when the server has not answered within this time (default 10 s). */
  connectTimeoutMs?: number;
  /** Give up when no data arrives for this long once the transfer has started (default 60 s). */
  idleTimeoutMs?: number;
  /** Injected in tests; default the global fetch. */
  fetchImpl?: typeof fetch;
}

export interface DownloadReport {
  dir: string;
  downloaded: string[];
  /** Already present with the expected size and hash. */
  skipped: string[];
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function alreadyThere(path: string, f: DownloadFile): Promise<boolean> {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return false;
  }
  if (f.bytes !== null && size !== f.bytes) return false;
  // Without a recorded hash, a file of the recorded size is taken as complete (rename is atomic).
  if (f.sha256 === null) return f.bytes !== null;
  return (await sha256File(path)) === f.sha256;
}

function describeNetworkError(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'AbortError' || e.name === 'TimeoutError') return 'no answer in time';
  if (e.cause?.code === 'ENOTFOUND' || e.cause?.code === 'EAI_AGAIN') return `the name does not resolve (${e.cause.code}; offline?)`;
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
}

async function fetchOne(
  f: DownloadFile,
  id: string,
  dir: string,
  byHand: string,
  report: (received: number, total: number | null) => void,
  opts: DownloadOptions,
): Promise<void> {
  const host = new URL(f.url).host;
  const controller = new AbortController();
  const connectTimer = setTimeout(() => controller.abort(), opts.connectTimeoutMs ?? 10_000);
  let response: Response;
  try {
    response = await (opts.fetchImpl ?? fetch)(f.url, { signal: controller.signal, redirect: 'follow' });
  } catch (err) {
    throw new SamanticError('network', `cannot reach ${host}: ${describeNetworkError(err)}. Check the connection and retry, or ${byHand}.`);
  } finally {
    clearTimeout(connectTimer);
  }
  if (!response.ok || !response.body) {
    throw new SamanticError(
      'network',
      `${host} answered ${response.status} ${response.statusText} for ${f.url}. Retry later, or ${byHand}.`,
    );
  }
  const header = Number(response.headers.get('content-length'));
  const total = f.bytes ?? (Number.isFinite(header) && header > 0 ? header : null);
  const temp = join(dir, `.${f.file}.part-${randomBytes(4).toString('hex')}`);
  const hash = createHash('sha256');
  const out = createWriteStream(temp);
  let received = 0;
  let idle: NodeJS.Timeout | undefined;
  const armIdle = () => {
    clearTimeout(idle);
    idle = setTimeout(() => controller.abort(), opts.idleTimeoutMs ?? 60_000);
  };
  try {
    armIdle();
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      armIdle();
      hash.update(chunk);
      received += chunk.byteLength;
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      report(received, total);
    }
    await new Promise<void>((res, rej) => out.end((err?: Error | null) => (err ? rej(err) : res())));
    if (f.bytes !== null && received !== f.bytes) {
      throw new SamanticError(
        'network',
        `${f.file}: got ${received} bytes, expected ${f.bytes}. The download was cut or the file changed upstream; retry.`,
      );
    }
    const digest = hash.digest('hex');
    if (f.sha256 !== null && digest !== f.sha256) {
      throw new SamanticError(
        'model-invalid',
        `${f.file}: SHA-256 is ${digest}, model.json expects ${f.sha256}. The file is corrupt or changed upstream; nothing was installed. Retry, or check models/${id}/model.json.`,
      );
    }
    renameSync(temp, join(dir, f.file));
  } catch (err) {
    if (err instanceof SamanticError) throw err;
    throw new SamanticError('network', `download of ${f.file} from ${host} failed: ${describeNetworkError(err)}. Retry, or ${byHand}.`);
  } finally {
    clearTimeout(idle);
    out.destroy();
    rmSync(temp, { force: true });
  }
}

/** Downloads the files listed in models/<id>/model.json that are not already present and intact. */
export async function downloadModel(id: string, options: DownloadOptions = {}): Promise<DownloadReport> {
  const modelsDir = options.modelsDir ?? defaultModelsDir();
  const { dir, descriptor } = resolveModel(id, modelsDir);
  const files = descriptor.download?.files ?? [];
  if (files.length === 0) {
    const how = descriptor.generator
      ? ' (it is generated on first use)'
      : `: its publisher lists no ONNX files. Export them as the notes in ${join(dir, DESCRIPTOR_FILE)} say and put them in ${dir}/ ` +
        `as ${requiredFiles(descriptor).join(', ')}`;
    throw new SamanticError('invalid-argument', `model "${descriptor.id}" has nothing to download${how}.`);
  }
  const verify = options.verify ?? true;
  const unverified = files.filter((f) => f.sha256 === null).map((f) => f.file);
  if (verify && unverified.length > 0) {
    throw new SamanticError(
      'invalid-argument',
      `model.json of "${descriptor.id}" records no SHA-256 for ${unverified.join(', ')}, so the download cannot be verified. ` +
        'Run again with --no-verify to download it anyway, or add the hash to model.json.',
    );
  }
  mkdirSync(dir, { recursive: true });
  const byHand = `download the files by hand into ${dir}/: ${files.map((f) => `${f.file} from ${f.url}`).join(', ')}`;
  const downloaded: string[] = [];
  const skipped: string[] = [];
  for (const [index, f] of files.entries()) {
    if (await alreadyThere(join(dir, f.file), f)) {
      skipped.push(f.file);
      continue;
    }
    const file = verify ? f : { ...f, sha256: null };
    const report = (received: number, total: number | null) =>
      options.onProgress?.({ file: f.file, index, count: files.length, received, total });
    await fetchOne(file, descriptor.id, dir, byHand, report, options);
    downloaded.push(f.file);
  }
  return { dir, downloaded, skipped };
}
