/**
 * The worker thread of `--workers N`: runs whole explorations and design variants, and one shard
 * of a split exploration (src/check/scale/shard.ts), exchanging successors with the other workers over
 * its peer ports. Plumbing only: the checking is src/check's.
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { VARIANTS } from '../../../spec/variants/index.js';
import { explore } from '../../check/core/explore.js';
import { runVariant } from '../../check/frontends/variants.js';
import type { ForwardedState, LevelResult, Shard } from '../../check/scale/shard.js';
import { createShard } from '../../check/scale/shard.js';
import { type ExploreJob, exploreJobOptions } from '../explore-job.js';
import { specModelFor } from '../spec-for.js';
import {
  type FromWorker,
  heapSlot,
  type PeerBatch,
  STOP_SLOT,
  type ToWorker,
  type WorkerData,
} from './protocol.js';

const data = workerData as WorkerData;
const control = new Int32Array(data.control);
const parent = parentPort!;
let peers: readonly (MessagePort | null)[] = [];

const post = (m: FromWorker) => parent.postMessage(m);

/** Stop when the CLI says so, or when the workers' heaps together pass maxMemory MiB. */
function stopper(maxMemory: number | undefined): () => boolean {
  return () => {
    if (Atomics.load(control, STOP_SLOT) !== 0) return true;
    if (maxMemory === undefined) return false;
    Atomics.store(control, heapSlot(data.index), Math.ceil(process.memoryUsage().heapUsed / 1024));
    let kib = 0;
    for (let i = 0; i < data.workers; i++) kib += Atomics.load(control, heapSlot(i));
    return kib > maxMemory * 1024;
  };
}

function optionsOf(job: ExploreJob) {
  const options = exploreJobOptions(job);
  if (typeof options === 'string') throw new Error(options);
  return options;
}

function runExplore(id: number, job: ExploreJob): void {
  const t0 = process.hrtime.bigint();
  const result = explore(job.scenario, {
    ...optionsOf(job),
    progressEvery: 2000,
    onProgress: (p) => post({ kind: 'progress', id, states: p.states, depth: p.depth }),
    shouldStop: stopper(job.maxMemory),
  });
  post({ kind: 'result', id, result, seconds: Number(process.hrtime.bigint() - t0) / 1e9 });
}

function runVariantJob(id: number, name: string): void {
  const v = VARIANTS.find((x) => x.name === name);
  if (v === undefined) throw new Error(`no variant named "${name}"`);
  post({ kind: 'verdict', id, verdict: runVariant(v, specModelFor) });
}

/* A split job: this worker's shard, the level it waits to finish, and batches from its peers. */
let split: { id: number; shard: Shard; stop: () => boolean } | null = null;
let waiting: { id: number; level: number; expanded: LevelResult } | null = null;
const inbox = new Map<string, (readonly ForwardedState[])[]>();
const inboxKey = (id: number, level: number) => `${id}:${level}`;

/** Once the level is expanded and every peer's batch is in: ingest, advance, report. */
function finishLevel(): void {
  if (waiting === null || split === null) return;
  const key = inboxKey(waiting.id, waiting.level);
  const batches = inbox.get(key) ?? [];
  if (batches.length < data.workers - 1) return;
  inbox.delete(key);
  for (const b of batches) split.shard.ingest(b);
  const { id, expanded } = waiting;
  waiting = null;
  post({
    kind: 'split-level',
    id,
    report: {
      status: expanded.status,
      transitions: expanded.transitions,
      perCall: expanded.perCall,
      frontier: split.shard.advance(),
      owned: split.shard.owned(),
    },
  });
}

function onPeer(m: PeerBatch): void {
  const key = inboxKey(m.id, m.level);
  const list = inbox.get(key) ?? [];
  list.push(m.batch);
  inbox.set(key, list);
  finishLevel();
}

function handle(m: ToWorker): void {
  switch (m.kind) {
    case 'peers':
      peers = m.ports;
      for (const p of peers) p?.on('message', onPeer);
      return;
    case 'explore':
      runExplore(m.id, m.job);
      return;
    case 'variant':
      runVariantJob(m.id, m.name);
      return;
    case 'split-start': {
      const shard = createShard(m.job.scenario, optionsOf(m.job), data.index, data.workers);
      split = { id: m.id, shard, stop: stopper(m.job.maxMemory) };
      post({
        kind: 'split-started',
        id: m.id,
        start: { bootViolation: shard.bootViolation, symmetry: shard.symmetry },
      });
      return;
    }
    case 'split-level': {
      if (split === null || split.id !== m.id) throw new Error(`split job ${m.id} not started`);
      const expanded = split.shard.expand(split.stop);
      peers.forEach((p, i) => {
        p?.postMessage({
          id: m.id,
          level: m.level,
          batch: expanded.outboxes[i],
        } satisfies PeerBatch);
      });
      waiting = { id: m.id, level: m.level, expanded };
      finishLevel();
      return;
    }
    case 'split-end':
      split = null;
      for (const k of [...inbox.keys()]) if (k.startsWith(`${m.id}:`)) inbox.delete(k);
      return;
  }
}

parent.on('message', (m: ToWorker) => {
  try {
    handle(m);
  } catch (e) {
    const id = 'id' in m ? m.id : 0;
    post({ kind: 'error', id, message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  }
});
