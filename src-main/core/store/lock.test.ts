import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lockFileOf } from './lock';
import { ProjectStore } from './project-store';
import { type TempDir, caughtSamanticError, tempDir } from './fixtures.testing';

let tmp: TempDir;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.cleanup());

describe('the project lock', () => {
  it('is held by a writer, refuses a second writer, and is gone after close', () => {
    const a = ProjectStore.open(tmp.file, { create: true });
    const holder = JSON.parse(readFileSync(lockFileOf(tmp.file), 'utf8'));
    expect(holder).toMatchObject({ pid: process.pid, host: hostname() });
    const err = caughtSamanticError(() => ProjectStore.open(tmp.file, { create: true }));
    expect(err.code).toBe('busy');
    expect(err.message).toBe(
      `This project is open in another Samantic (pid ${process.pid} since ${holder.since}). Close it or use --project elsewhere.`,
    );
    const reader = ProjectStore.open(tmp.file, { readOnly: true });
    expect(reader.counts().images.total).toBe(0);
    reader.close();
    a.close();
    expect(existsSync(lockFileOf(tmp.file))).toBe(false);
    ProjectStore.open(tmp.file).close();
  });

  it('takes over a lock left by a process that died, never one from another host', () => {
    ProjectStore.open(tmp.file, { create: true }).close();
    // pid 2^22+1 is above Linux's pid_max default: no such process.
    writeFileSync(lockFileOf(tmp.file), JSON.stringify({ pid: 4194305, host: hostname(), since: '2020-01-01T00:00:00.000Z' }));
    const s = ProjectStore.open(tmp.file);
    s.close();
    writeFileSync(lockFileOf(tmp.file), JSON.stringify({ pid: 4194305, host: 'other-machine', since: '2020-01-01T00:00:00.000Z' }));
    const err = caughtSamanticError(() => ProjectStore.open(tmp.file));
    expect(err.message).toMatch(/pid 4194305 on other-machine since 2020-01-01/);
  });

  it("a batch engine's retry takes over its shard's lock from another node or from an earlier container with the same pid", () => {
    ProjectStore.open(tmp.file, { create: true }).close();
    for (const holder of [
      { pid: 4194305, host: 'node-7', since: '2020-01-01T00:00:00.000Z' },
      { pid: process.pid, host: hostname(), since: '2020-01-01T00:00:00.000Z' },
      // A live process of this host that is not the dead worker any more (its pid was reused).
      { pid: process.ppid, host: hostname(), since: '2020-01-01T00:00:00.000Z' },
    ]) {
      writeFileSync(lockFileOf(tmp.file), JSON.stringify(holder));
      expect(caughtSamanticError(() => ProjectStore.open(tmp.file)).code).toBe('busy');
      const s = ProjectStore.open(tmp.file, { takeOverForeign: true });
      expect(JSON.parse(readFileSync(lockFileOf(tmp.file), 'utf8')).since).not.toBe(holder.since);
      // Never from a writer of this very process.
      expect(caughtSamanticError(() => ProjectStore.open(tmp.file, { takeOverForeign: true })).code).toBe('busy');
      s.close();
    }
  });
});
