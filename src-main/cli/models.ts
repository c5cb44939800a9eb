// `samantic models list | download <id>`: the model table and the downloader, for people.

import { parseArgs } from 'node:util';
import { toErrorPayload } from '../core/errors';
import { downloadModel, type DownloadProgress } from '../core/model/download';
import { listingBytes, listModels, type ModelListing } from '../core/model/registry';
import { COMMANDS } from './usage';

export const MODELS_USAGE = `usage:\n${COMMANDS.models.synopsis.map((l) => `  ${l}`).join('\n')}\n`;

export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
  /** Progress bars redraw in place only on a terminal. */
  isTTY: boolean;
}

const defaultIo: CliIo = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  isTTY: Boolean(process.stderr.isTTY),
};

export function formatBytes(n: number | null): string {
  if (n === null) return '?';
  const units = ['B', 'KB', 'MB', 'GB'];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u += 1;
  }
  return `${v >= 100 || u === 0 ? v.toFixed(0) : v.toFixed(1)} ${units[u]}`;
}

function status(m: ModelListing): string {
  if (m.error) return 'invalid';
  if (m.generated) return 'generated';
  return m.present ? 'present' : 'missing';
}

/**
 * One row per model: id, family, status (present / missing / generated), size (on disk or
 * expected), speed class, parameters, whether downloads are hash-checked, name.
 */
export function formatModelTable(models: ModelListing[]): string {
  const rows = models.map((m) => {
    const size = m.generated ? '< 1 MB' : formatBytes(listingBytes(m));
    const sha = m.generated ? '-' : m.files.length > 0 && m.files.every((f) => f.verified) ? 'yes' : 'no';
    const d = m.descriptor;
    const params = d?.paramsMillions ? `${d.paramsMillions}M` : '-';
    return [m.id, d?.family ?? '?', status(m), size, d?.speedClass ?? '?', params, sha, m.error ? m.error : m.name];
  });
  const head = ['ID', 'FAMILY', 'STATUS', 'SIZE', 'SPEED', 'PARAMS', 'SHA-256', 'NAME'];
  const last = head.length - 1;
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (i < last ? r[i].length : 0))));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i < last ? c.padEnd(widths[i]) : c))
      .join('  ')
      .trimEnd();
  return `${[line(head), ...rows.map(line)].join('\n')}\n`;
}

function progressLine(p: DownloadProgress): string {
  const prefix = `[${p.index + 1}/${p.count}] ${p.file}`;
  if (p.total === null) return `${prefix} ${formatBytes(p.received)}`;
  const frac = Math.min(1, p.received / p.total);
  const width = 30;
  const done = Math.round(frac * width);
  return `${prefix} [${'#'.repeat(done)}${'.'.repeat(width - done)}] ${(frac * 100).toFixed(0).padStart(3)}% ${formatBytes(p.received)} / ${formatBytes(p.total)}`;
}

export async function runModelsCli(argv: string[], io: CliIo = defaultIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'models-dir': { type: 'string' },
        json: { type: 'boolean' },
        'no-verify': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    io.err(`samantic models: ${(err as Error).message}\n${MODELS_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [sub, ...rest] = positionals;
  if (values.help) {
    io.out(MODELS_USAGE);
    return 0;
  }
  const modelsDir = values['models-dir'];
  try {
    if (sub === 'list' && rest.length === 0) {
      const models = listModels(modelsDir);
      io.out(
        values.json
          ? `${JSON.stringify(
              models.map(({ descriptor: _d, ...m }) => m),
              null,
              2,
            )}\n`
          : formatModelTable(models),
      );
      return 0;
    }
    if (sub === 'download' && rest.length === 1) {
      let lastDraw = 0;
      let lastFile = '';
      const report = await downloadModel(rest[0], {
        modelsDir,
        verify: !values['no-verify'],
        onProgress: (p) => {
          const now = Date.now();
          const finished = p.total !== null && p.received >= p.total;
          if (io.isTTY) {
            if (now - lastDraw > 100 || finished) io.err(`\r${progressLine(p)}`);
            if (finished) io.err('\n');
          } else if (p.file !== lastFile || now - lastDraw > 5000 || finished) {
            io.err(`${progressLine(p)}\n`);
          } else return;
          lastDraw = now;
          lastFile = p.file;
        },
      });
      io.out(
        `${report.dir}: ${report.downloaded.length} file(s) downloaded` +
          `${report.skipped.length ? `, ${report.skipped.length} already present (${report.skipped.join(', ')})` : ''}.\n`,
      );
      return 0;
    }
  } catch (err) {
    io.err(`samantic models: ${toErrorPayload(err).message}\n`);
    return 1;
  }
  io.err(`samantic models: expected "list" or "download <id>".\n${MODELS_USAGE}`);
  return 2;
}
