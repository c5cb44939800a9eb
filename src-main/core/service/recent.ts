// Recent projects, kept as a small JSON file in the user's state folder. Written atomically so a
// crash mid-write never leaves a truncated list behind.
import { mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { RecentProject } from '../api/contract';
import { writeFileAtomicSync } from '../util/atomic-file';

/** A person rarely juggles more folders than this; longer lists only bury the useful entries. */
export const MAX_RECENT = 12;

export function defaultStateDir(): string {
  if (process.env.SAMANTIC_STATE_DIR) return process.env.SAMANTIC_STATE_DIR;
  const base = process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config');
  return join(base, 'samantic');
}

export class RecentProjects {
  private readonly file: string;

  constructor(stateDir: string) {
    this.file = join(stateDir, 'recent.json');
  }

  list(): RecentProject[] {
    try {
      const data = JSON.parse(readFileSync(this.file, 'utf8')) as unknown;
      if (!Array.isArray(data)) return [];
      return data.filter(
        (r): r is RecentProject =>
          !!r && typeof r.folder === 'string' && typeof r.projectFile === 'string' && typeof r.openedAt === 'string',
      );
    } catch {
      // A missing or unreadable list is not worth failing over: it is only a convenience.
      return [];
    }
  }

  add(folder: string, projectFile: string, now = new Date()): RecentProject[] {
    const entry: RecentProject = { folder, projectFile, openedAt: now.toISOString() };
    const next = [entry, ...this.list().filter((r) => r.projectFile !== projectFile)].slice(0, MAX_RECENT);
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      writeFileAtomicSync(this.file, JSON.stringify(next, null, 2));
    } catch {
      // Read-only home (CI, sandboxes): the app works without a recent list.
    }
    return next;
  }
}
