import { describe, expect, it } from 'vitest';
import { runQualityBenchCommand } from './cli';

describe('samantic bench-quality arguments', () => {
  it.each([
    [['--preset', 'fast'], /--preset must be sam or seed, got 'fast'/],
    [['--count', '0'], /--count must be an integer >= 1, got '0'/],
    [['--seed', 'x'], /--seed must be an integer >= 1/],
    [['--colour'], /Unknown option '--colour'.*samantic --help/],
    [['pizzas'], /unexpected argument 'pizzas'; give a folder with --folder/],
  ])('refuses %j before any work, saying what is wrong', async (argv, message) => {
    await expect(runQualityBenchCommand(argv)).rejects.toMatchObject({ code: 'invalid-argument', message: expect.stringMatching(message) });
  });
});
