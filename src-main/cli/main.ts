// The `samantic` command line. Every subcommand is a thin layer over the same service the desktop
// app and the server transport use; errors print one actionable message and exit non-zero.
import { toErrorPayload } from '../core/errors';
import { COMMANDS, commandHelp, fullUsage, wantsHelp } from './usage';

type Command = (argv: string[]) => Promise<number>;

/** Each subcommand, loaded on first use so `samantic info` never pulls in the model runtime. */
export const commands: Record<string, () => Promise<Command>> = {
  label: async () => (await import('./label')).runLabel,
  merge: async () => (await import('./shard-commands')).runMerge,
  export: async () => (await import('./project-commands')).runExport,
  import: async () => (await import('./project-commands')).runImport,
  classes: async () => (await import('./project-commands')).runClasses,
  info: async () => (await import('./project-commands')).runInfo,
  serve: async () => (await import('../server/serve')).runServeCommand,
  models: async () => (await import('./models')).runModelsCli,
  synth: async () => (await import('../tools/synth/cli')).runSynthCommand,
  bench: async () => (await import('../tools/bench/cli')).runBenchCommand,
  'bench-quality': async () => (await import('../tools/bench/cli')).runQualityBenchCommand,
  'bench-annotate': async () => (await import('../tools/bench/cli')).runAnnotateBenchCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    (name ? process.stdout : process.stderr).write(fullUsage());
    return name ? 0 : 2;
  }
  if (name === '--version') {
    process.stdout.write('samantic 0.1.0\n');
    return 0;
  }
  const load = commands[name];
  if (!load) {
    process.stderr.write(`samantic: unknown command '${name}'.\n\n${fullUsage()}`);
    return 2;
  }
  if (wantsHelp(rest) && name in COMMANDS) {
    process.stdout.write(commandHelp(name));
    return 0;
  }
  try {
    const run = await load();
    return await run(rest);
  } catch (err) {
    const { code, message } = toErrorPayload(err);
    process.stderr.write(
      `samantic ${name}: ${message}${code === 'internal' && process.env.SAMANTIC_DEBUG ? `\n${(err as Error).stack}` : ''}\n`,
    );
    return 1;
  }
}
