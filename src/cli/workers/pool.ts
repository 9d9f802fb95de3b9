/**
 * A pool of worker threads (worker.ts) for `--workers N`: whole jobs on one worker each, split
 * jobs as a team of every worker (a ShardTeam for src/check/scale/split-search.ts), a shared stop flag,
 * and termination. One request at a time per worker.
 */
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import type { Parsed } from '../../../spec/input-error.js';
import type { ExploreResult } from '../../check/core/explore.js';
import type { VariantVerdict } from '../../check/frontends/variants.js';
import type { ShardLevelReport, ShardTeam, TeamStart } from '../../check/scale/split-search.js';
import type { ExploreJob } from '../explore-job.js';
import {
  type FromWorker,
  heapSlot,
  STOP_SLOT,
  type ToWorker,
  type WorkerData,
} from './protocol.js';

/** Told of a whole job's progress (states so far, depth). */
export type ProgressHook = (states: number, depth: number) => void;

interface Pending {
  readonly resolve: (m: FromWorker) => void;
  readonly reject: (e: Error) => void;
  readonly onProgress?: ProgressHook;
}

/** A split job's team, ended (its shards dropped) once the search is over. */
export interface PoolTeam extends ShardTeam {
  end(): void;
}

export class WorkerPool {
  readonly size: number;
  private readonly workers: Worker[];
  private readonly control: Int32Array;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure: Error | null = null;

  constructor(size: number) {
    this.size = size;
    const shared = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT * heapSlot(size));
    this.control = new Int32Array(shared);
    const script = new URL('./worker.js', import.meta.url);
    this.workers = Array.from({ length: size }, (_, index) => {
      const workerData: WorkerData = { index, workers: size, control: shared };
      const w = new Worker(script, { workerData });
      w.on('message', (m: FromWorker) => this.onMessage(index, m));
      w.on('error', (e) => this.fail(e));
      w.on('exit', (code) => {
        if (this.pending.size > 0) this.fail(new Error(`worker ${index} exited (${code})`));
      });
      return w;
    });
    // Every pair of workers gets its own channel for the successors of split jobs.
    const ports: (MessagePort | null)[][] = this.workers.map(() => this.workers.map(() => null));
    for (let i = 0; i < size; i++)
      for (let j = i + 1; j < size; j++) {
        const ch = new MessageChannel();
        ports[i][j] = ch.port1;
        ports[j][i] = ch.port2;
      }
    this.workers.forEach((w, i) => {
      const mine = ports[i].filter((p): p is MessagePort => p !== null);
      w.postMessage({ kind: 'peers', ports: ports[i] } satisfies ToWorker, mine);
    });
  }

  /** Ask running jobs to stop (they return "incomplete: stopped"). */
  stop(): void {
    Atomics.store(this.control, STOP_SLOT, 1);
  }

  get stopped(): boolean {
    return Atomics.load(this.control, STOP_SLOT) !== 0;
  }

  /** Run a whole exploration on one worker. */
  async explore(
    worker: number,
    job: ExploreJob,
    onProgress?: ProgressHook,
  ): Promise<{ result: ExploreResult; seconds: number }> {
    const m = await this.request(worker, (id) => ({ kind: 'explore', id, job }), onProgress);
    if (m.kind !== 'result') throw new Error(`worker ${worker} answered ${m.kind} to explore`);
    return { result: m.result, seconds: m.seconds };
  }

  /** Run one design variant on one worker. */
  async variant(worker: number, name: string): Promise<Parsed<VariantVerdict>> {
    const m = await this.request(worker, (id) => ({ kind: 'variant', id, name }));
    if (m.kind !== 'verdict') throw new Error(`worker ${worker} answered ${m.kind} to variant`);
    return m.verdict;
  }

  /** Every worker as one shard of a split exploration. */
  team(job: ExploreJob): PoolTeam {
    const id = this.nextId++;
    let level = 0;
    const all = <T>(ask: (w: number) => Promise<T>) =>
      Promise.all(this.workers.map((_, w) => ask(w)));
    return {
      start: async () => {
        const answers = await all((w) =>
          this.request(w, () => ({ kind: 'split-start', id, job }), undefined, id),
        );
        const starts = answers.map((m): TeamStart => {
          if (m.kind !== 'split-started') throw new Error(`a worker answered ${m.kind} to a start`);
          return m.start;
        });
        return {
          bootViolation: starts.some((s) => s.bootViolation),
          symmetry: starts[0].symmetry,
        };
      },
      level: async () => {
        const l = level++;
        const answers = await all((w) =>
          this.request(w, () => ({ kind: 'split-level', id, level: l }), undefined, id),
        );
        return answers.map((m): ShardLevelReport => {
          if (m.kind !== 'split-level') throw new Error(`a worker answered ${m.kind} to a level`);
          return m.report;
        });
      },
      end: () => {
        for (const w of this.workers) w.postMessage({ kind: 'split-end', id } satisfies ToWorker);
      },
    };
  }

  /**
   * Run `run(worker, item)` for every item, each worker taking the next item as it finishes one,
   * in the order given; stops handing out items once the pool is stopped.
   */
  async each<T>(
    items: readonly T[],
    run: (worker: number, item: T) => Promise<void>,
  ): Promise<void> {
    let next = 0;
    const loop = async (worker: number) => {
      while (!this.stopped && next < items.length) await run(worker, items[next++]);
    };
    await Promise.all(this.workers.map((_, w) => loop(w)));
  }

  /** Stop every worker now. */
  async terminate(): Promise<void> {
    this.stop();
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  /**
   * Send one request and wait for its answer. The requests of a split job share the job's id, so
   * answers are keyed by worker as well.
   */
  private request(
    worker: number,
    make: (id: number) => ToWorker,
    onProgress?: ProgressHook,
    shared?: number,
  ): Promise<FromWorker> {
    if (this.failure !== null) return Promise.reject(this.failure);
    const id = shared ?? this.nextId++;
    const key = this.key(id, worker);
    return new Promise((resolve, reject) => {
      this.pending.set(key, { resolve, reject, onProgress });
      this.workers[worker].postMessage(make(id));
    });
  }

  private key(id: number, worker: number): number {
    return id * this.size + worker;
  }

  private onMessage(worker: number, m: FromWorker): void {
    const key = this.key(m.id, worker);
    const p = this.pending.get(key);
    if (p === undefined) return;
    if (m.kind === 'progress') {
      p.onProgress?.(m.states, m.depth);
      return;
    }
    this.pending.delete(key);
    if (m.kind === 'error') p.reject(new Error(`worker ${worker}: ${m.message}`));
    else p.resolve(m);
  }

  private fail(e: Error): void {
    this.failure = e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }
}
