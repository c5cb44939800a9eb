// `samantic export | classes | info <project>`: work on an existing project without processing.
// <project> is a project file (.db) or the photo folder holding .samantic/project.db.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ExportFormat } from '../core/api/contract';
import { SamanticError } from '../core/errors';
import { createService, projectFolderOf } from '../core/service/service';
import type { Service } from '../core/service/types';
import { ProjectStore } from '../core/store/project-store';
import { oneOf } from './label';
import { parseCli } from './main';

/** Opens the project named on the command line without touching the model. */
async function openProject(arg: string | undefined): Promise<Service> {
  if (!arg) throw new SamanticError('invalid-argument', 'Name a project file or a photo folder, e.g. samantic info ~/photos');
  const p = resolve(arg);
  if (!existsSync(p)) throw new SamanticError('not-found', `'${arg}' does not exist. Name a project file (.samantic/project.db) or a labelled folder.`);
  let folder: string;
  let projectFile: string;
  if (statSync(p).isDirectory()) {
    folder = p;
    projectFile = ProjectStore.defaultPath(p);
    if (!existsSync(projectFile)) {
      throw new SamanticError('not-found', `Folder '${arg}' has no Samantic project yet (${projectFile} is missing). Run 'samantic label ${arg}' first.`);
    }
  } else {
    projectFile = p;
    folder = projectFolderOf(p);
  }
  const service = await createService();
  try {
    await service.api.openFolder({ folder, project: projectFile });
  } catch (err) {
    await service.close();
    throw err;
  }
  return service;
}

export async function runExport(argv: string[]): Promise<number> {
  const { values, positionals } = parseCli(argv, { out: { type: 'string' }, format: { type: 'string' } });
  if (!values.out) throw new SamanticError('invalid-argument', 'export needs --out <file.json>.');
  const format = oneOf<ExportFormat>('format', values.format, ['polygon', 'rle'], 'polygon');
  const service = await openProject(positionals[0]);
  try {
    const r = await service.api.exportCoco({ out: resolve(values.out), format });
    process.stdout.write(`wrote ${r.file} (${r.images} images, ${r.annotations} annotations, ${r.categories} categories)\n`);
    return 0;
  } finally {
    await service.close();
  }
}

function parseId(s: string | undefined, what: string): number {
  const n = Number(s);
  if (!s || !Number.isSafeInteger(n) || n < 1) throw new SamanticError('invalid-argument', `${what} must be a class id (a positive integer), got '${s ?? ''}'. Run 'samantic classes <project>' to list them.`);
  return n;
}

export async function runClasses(argv: string[]): Promise<number> {
  const { positionals } = parseCli(argv, {});
  const [projectArg, action = 'list', ...rest] = positionals;
  const service = await openProject(projectArg);
  const api = service.api;
  try {
    if (action === 'rename') {
      const name = rest.slice(1).join(' ');
      await api.renameClass({ classId: parseId(rest[0], 'rename'), name });
    } else if (action === 'merge') {
      if (rest.length < 2) throw new SamanticError('invalid-argument', 'merge needs at least two class ids: samantic classes <project> merge <into> <id> ...');
      const ids = rest.map((s) => parseId(s, 'merge'));
      await api.mergeClasses({ classIds: ids, into: ids[0] });
    } else if (action === 'recluster') {
      // Regroups only what no user decision covers; undo in the app takes it back.
      await api.recluster({});
    } else if (action !== 'list') {
      throw new SamanticError('invalid-argument', `Unknown classes action '${action}': use list, rename <id> <name>, merge <id> <id> ... or recluster`);
    }
    const classes = await api.listClasses();
    for (const c of classes) {
      process.stdout.write(
        `${String(c.id).padStart(4)}  ${c.color}  ${c.name.padEnd(16)} ${String(c.segmentCount).padStart(6)} segments  ${c.imageCount} images  ` +
          `${c.status}${c.unreviewed > 0 ? `, ${c.unreviewed} unreviewed` : ''}\n`,
      );
    }
    if (classes.length === 0) process.stdout.write('no classes yet (process the folder first)\n');
    return 0;
  } finally {
    await service.close();
  }
}

export async function runInfo(argv: string[]): Promise<number> {
  const { values, positionals } = parseCli(argv, { json: { type: 'boolean' } });
  const service = await openProject(positionals[0]);
  try {
    const s = await service.api.getSummary();
    if (!s) return 1;
    if (values.json) {
      process.stdout.write(JSON.stringify(s, null, 2) + '\n');
    } else {
      process.stdout.write(
        [
          `folder   ${s.folder}`,
          `project  ${s.projectFile}`,
          `model    ${s.modelId}`,
          `images   ${s.images.total} (${s.images.done} done, ${s.images.pending} pending, ${s.images.failed} failed)`,
          `segments ${s.segments}`,
          `classes  ${s.classes}`,
          `history  ${s.canUndo ? 'can undo' : 'nothing to undo'}, ${s.canRedo ? 'can redo' : 'nothing to redo'}`,
        ].join('\n') + '\n',
      );
    }
    return 0;
  } finally {
    await service.close();
  }
}
