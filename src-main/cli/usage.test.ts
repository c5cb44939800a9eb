import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { commands, main } from './main';
import { COMMANDS, commandHelp, fullUsage } from './usage';

describe('samantic --help', () => {
  afterEach(() => vi.restoreAllMocks());

  function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
    return main(argv).then((code) => ({ code, out, err }));
  }

  it('has a usage entry for every subcommand and no entry without one', () => {
    expect(Object.keys(COMMANDS).sort()).toEqual(Object.keys(commands).sort());
  });

  it.each(Object.keys(COMMANDS))('answers `samantic %s --help` with its usage and exit 0', async (name) => {
    const { code, out, err } = await run([name, '--help']);
    expect(code).toBe(0);
    expect(err).toBe('');
    expect(out).toBe(commandHelp(name));
    for (const line of COMMANDS[name].synopsis) expect(line.trimStart().startsWith('samantic ') || line.startsWith(' ')).toBe(true);
  });

  it('answers -h after other arguments too, and prints every synopsis for `samantic --help`', async () => {
    expect((await run(['label', 'some/folder', '-h'])).out).toBe(commandHelp('label'));
    const all = await run(['--help']);
    expect(all.code).toBe(0);
    expect(all.out).toBe(fullUsage());
    for (const c of Object.values(COMMANDS)) for (const l of c.synopsis) expect(all.out).toContain(l);
  });

  it('sends usage to stderr with exit 2 when no command is given, and names an unknown one', async () => {
    expect((await run([])).code).toBe(2);
    const bad = await run(['labl']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("unknown command 'labl'");
  });
});

describe('the README', () => {
  it('shows exactly the usage table in its CLI block', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const block = /## CLI\n[\s\S]*?```text\n([\s\S]*?)```/.exec(readme);
    expect(block, 'README.md has a ## CLI section with a ```text block').not.toBeNull();
    const lines = Object.values(COMMANDS).flatMap((c) => c.synopsis);
    expect(block![1].trimEnd().split('\n')).toEqual(lines);
  });
});
