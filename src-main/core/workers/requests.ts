// The requests in flight on one worker thread, by id: what every main-thread side of the core's
// worker protocols (encoder, AMG, service) needs. The thread is referenced while a request is
// pending and unreferenced when none is, so a busy worker keeps the process alive and an idle one
// never does; a message that cannot be posted leaves nothing behind.
import { SamanticError } from '../errors';

/** The part of a Worker this uses (a fake in tests). */
export interface RequestThread {
  ref(): void;
  unref(): void;
  postMessage(message: unknown, transfer?: readonly ArrayBuffer[]): void;
}

export class ThreadRequests<Job> {
  private readonly jobs = new Map<number, Job>();
  private nextId = 1;

  /** `what` names the thread in errors ("the encoder worker"). */
  constructor(
    private readonly thread: RequestThread,
    private readonly what: string,
  ) {}

  get size(): number {
    return this.jobs.size;
  }

  /**
   * Registers `job` under a new id and posts `message(id)` with `transfer`. Throws SamanticError
   * (and keeps nothing) when the message cannot be posted, e.g. a buffer that is not transferable.
   */
  send(job: Job, message: (id: number) => unknown, transfer: ArrayBuffer[] = []): number {
    const id = this.nextId++;
    this.jobs.set(id, job);
    this.thread.ref();
    try {
      this.thread.postMessage(message(id), transfer);
    } catch (err) {
      this.take(id);
      throw new SamanticError('internal', `could not hand the work to ${this.what}: ${err instanceof Error ? err.message : String(err)}`);
    }
    return id;
  }

  /** The job of a reply, removed; undefined for an id already settled (or never sent). */
  take(id: number): Job | undefined {
    const job = this.jobs.get(id);
    this.jobs.delete(id);
    if (this.jobs.size === 0) this.thread.unref();
    return job;
  }

  /** Every pending job, removed (the thread stopped: each is rejected by the caller). */
  drain(): Job[] {
    const all = [...this.jobs.values()];
    this.jobs.clear();
    this.thread.unref();
    return all;
  }
}
