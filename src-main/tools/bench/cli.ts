// `npm run bench:quality` and `npm run bench`: benchmarks print figures; they assert nothing.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { intFlag, parseCommandArgs } from '../../core/util/args';
import { SamanticError } from '../../core/errors';
import { formatQualityReport, runQualityBench } from './quality';

export async function runQualityBenchCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    count: { type: 'string' },
    seed: { type: 'string' },
    preset: { type: 'string' },
    model: { type: 'string' },
    folder: { type: 'string' },
    overlay: { type: 'string' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
    prune: { type: 'boolean' },
  });
  if (positionals.length > 0)
    throw new SamanticError('invalid-argument', `unexpected argument '${positionals[0]}'; give a folder with --folder.`);
  const preset = values.preset ?? 'sam';
  if (preset !== 'sam' && preset !== 'seed') throw new SamanticError('invalid-argument', `--preset must be sam or seed, got '${preset}'.`);
  const overlayFile = resolve(values.overlay ?? 'artifacts/quality-overlay.png');
  mkdirSync(resolve(overlayFile, '..'), { recursive: true });
  const log = values.quiet || values.json ? () => {} : (l: string) => process.stderr.write(l + '\n');
  const result = await runQualityBench(
    {
      count: intFlag('count', values.count, 20),
      seed: intFlag('seed', values.seed, 1),
      preset,
      model: values.model ?? 'test-sam',
      overlayFile,
      folder: values.folder ? resolve(values.folder) : undefined,
      prune: values.prune ?? false,
    },
    log,
  );
  if (values.json) process.stdout.write(JSON.stringify({ ...result, classes: result.classes }, null, 2) + '\n');
  else process.stdout.write(formatQualityReport(result) + '\n');
  return 0;
}

export async function runAnnotateBenchCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    count: { type: 'string' },
    seeds: { type: 'string' },
    model: { type: 'string' },
    'points-per-side': { type: 'string' },
    'look-alikes': { type: 'string' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
    explain: { type: 'boolean' },
  });
  if (positionals.length > 0) throw new SamanticError('invalid-argument', `unexpected argument '${positionals[0]}'.`);
  const seeds = (values.seeds ?? '1,2').split(',').map((v) => intFlag('seeds', v.trim(), 1));
  const { runAnnotateBench, formatRound } = await import('./annotate');
  const log = values.quiet || values.json ? () => {} : (l: string) => process.stderr.write(l + '\n');
  const reports = await runAnnotateBench(
    {
      count: intFlag('count', values.count, 20),
      seeds,
      model: values.model ?? 'test-sam',
      pointsPerSide: values['points-per-side'] === undefined ? undefined : intFlag('points-per-side', values['points-per-side'], 32),
      lookAlikes: values['look-alikes'] === undefined ? undefined : intFlag('look-alikes', values['look-alikes'], 50),
      explain: values.explain,
    },
    log,
  );
  if (values.json) process.stdout.write(JSON.stringify(reports, null, 2) + '\n');
  else for (const r of reports) process.stdout.write(formatRound(r) + '\n');
  return 0;
}

export async function runBenchCommand(argv: string[]): Promise<number> {
  if (argv.includes('--prompts')) return (await import('./prompts')).runPromptBenchCommand(argv);
  if (argv.includes('--decoder-batch')) return (await import('./decoder-batch')).runDecoderBatchCommand(argv);
  if (argv.includes('--merge')) return (await import('./merge')).runMergeBenchCommand(argv);
  const { parsePerformanceArgs, runPerformanceBench } = await import('./performance');
  const { formatPerformanceReport } = await import('./perf-format');
  const { json, quiet, ...options } = parsePerformanceArgs(argv);
  // Progress goes to stderr, so --json still leaves one JSON object alone on stdout.
  const log = quiet ? () => {} : (line: string) => process.stderr.write(line + '\n');
  const result = await runPerformanceBench(options, log);
  process.stdout.write(json ? JSON.stringify(result, null, 2) + '\n' : formatPerformanceReport(result) + '\n');
  return 0;
}
