// Answers reads (summary, images, classes, segments, example crops) and media (images,
// thumbnails) from a read-only copy of the service in this thread, with its own read-only SQLite
// connection and thumbnail cache, so they never queue behind the model runs of the service's
// worker: during processing that thread is busy for seconds at a time. Everything else goes to
// the wrapped backend. The copy follows the worker's project: it is opened after the worker's
// openFolder succeeds (or, on first use, from the worker's getSummary), and reads go to the worker
// while a folder is being opened or when the copy cannot open the project.
// The same confinement holds: media paths still come from the project's image table and must
// resolve inside its folder (media.ts).

import type { ProgressEvent, ProjectSummary } from '../core/api/contract';
import { createDispatcher, settle, type CallResult } from '../core/api/dispatch';
import type { Service, ServiceOptions } from '../core/service/types';
import { createMedia, type Media, type MediaResponse } from './media';
import type { ServiceBackend } from './service-host';

/** Methods that only read the project: the read-only copy answers them. */
export const READ_METHODS: ReadonlySet<string> = new Set(['getSummary', 'listImages', 'listSegments', 'listClasses', 'classExamples']);

interface Reader {
  service: Service;
  dispatch: ReturnType<typeof createDispatcher>;
  media: Media;
  projectFile: string;
  /** The model the copy was opened with: the summary reports it, so a switch opens a new copy. */
  modelId: string;
}

export class ReadRoutedBackend implements ServiceBackend {
  private reader: Reader | null = null;
  /** The worker's project as last seen (null: none open), or undefined before anything is known. */
  private project: { folder: string; projectFile: string; modelId: string } | null | undefined = undefined;
  /** Set while the worker opens a folder: reads then wait for it through the worker. */
  private opening = 0;
  private opened: Promise<Reader | null> | null = null;
  /** The execution provider the worker reported (the read-only copy never loads a model). */
  private provider: string | null = null;
  /** Whether the worker is processing, from its events (the read-only copy never processes). */
  private processing = false;
  /** The model the worker's open says the folder was processed with before (the copy cannot know). */
  private switchedFrom: string | null = null;
  /** A project file the copy could not open: its reads go to the worker instead of retrying. */
  private unreadable: string | null = null;
  private readonly offEvents: () => void;

  constructor(
    private readonly inner: ServiceBackend,
    private readonly makeService: (options: ServiceOptions) => Promise<Service>,
  ) {
    this.offEvents = inner.onEvent((e) => {
      if (e.type === 'start') this.provider = e.provider;
      if (e.type === 'start' || e.type === 'phase' || e.type === 'image' || e.type === 'clustering') this.processing = true;
      if (e.type === 'done') this.processing = false;
    });
  }

  private learn(value: unknown): void {
    const s = value as ProjectSummary | null;
    if (s === null) this.project = null;
    else if (s && typeof s === 'object' && typeof s.projectFile === 'string') {
      this.project = { folder: s.folder, projectFile: s.projectFile, modelId: s.modelId };
      this.switchedFrom = s.switchedFrom ?? null;
      if (s.provider) this.provider = s.provider;
    }
  }

  /** The read-only copy for the worker's current project, opened on demand; null: ask the worker. */
  private async currentReader(): Promise<Reader | null> {
    if (this.opening > 0) return null;
    if (this.project === undefined) {
      const r = await this.inner.call('getSummary', undefined);
      if (!r.ok) return null;
      this.learn(r.value);
    }
    const p = this.project;
    if (!p) return null;
    if (this.reader?.projectFile === p.projectFile && this.reader.modelId === p.modelId) return this.reader;
    if (this.unreadable === p.projectFile) return null;
    this.opened ??= this.open(p).finally(() => (this.opened = null));
    return this.opened;
  }

  private async open(p: { folder: string; projectFile: string; modelId: string }): Promise<Reader | null> {
    await this.closeReader();
    let service: Service | null = null;
    try {
      service = await this.makeService({ readOnly: true, onWarning: () => {} });
      await service.api.openFolder({ folder: p.folder, project: p.projectFile, model: p.modelId });
      this.reader = {
        service,
        dispatch: createDispatcher(service.api),
        media: createMedia(service),
        projectFile: p.projectFile,
        modelId: p.modelId,
      };
      return this.reader;
    } catch {
      await service?.close().catch(() => undefined);
      this.unreadable = p.projectFile;
      return null;
    }
  }

  private async closeReader(): Promise<void> {
    const r = this.reader;
    this.reader = null;
    await r?.service.close().catch(() => undefined);
  }

  async call(method: string, args: unknown): Promise<CallResult> {
    if (READ_METHODS.has(method)) {
      const reader = await this.currentReader();
      if (reader) {
        const result = await settle(reader.dispatch, method, args);
        if (method === 'getSummary' && result.ok && result.value) {
          const s = result.value as ProjectSummary;
          const value = { ...s, provider: s.provider ?? this.provider, processing: this.processing, switchedFrom: this.switchedFrom };
          return { ok: true, value };
        }
        return result;
      }
    }
    if (method === 'openFolder') this.opening++;
    try {
      const result = await this.inner.call(method, args);
      // Another folder (or the same with another device) starts without a known provider; after a
      // failed open the worker may hold no project at all: ask it again on the next read.
      if (method === 'openFolder') {
        this.provider = null;
        this.unreadable = null;
        if (!result.ok) this.project = undefined;
      }
      if (result.ok && (method === 'openFolder' || method === 'getSummary')) this.learn(result.value);
      return result;
    } finally {
      if (method === 'openFolder') this.opening--;
    }
  }

  private async mediaOf(): Promise<Pick<ServiceBackend, 'image' | 'thumb'>> {
    return (await this.currentReader())?.media ?? this.inner;
  }

  async image(imageId: number): Promise<MediaResponse> {
    return (await this.mediaOf()).image(imageId);
  }

  async thumb(imageId: number, size?: number): Promise<MediaResponse> {
    return (await this.mediaOf()).thumb(imageId, size);
  }

  onEvent(listener: (event: ProgressEvent) => void): () => void {
    return this.inner.onEvent(listener);
  }

  async close(): Promise<void> {
    this.offEvents();
    await this.closeReader();
    await this.inner.close();
  }
}
