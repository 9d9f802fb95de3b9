/**
 * The messages between the CLI and its worker threads (worker.ts). Everything here crosses a
 * thread by structured clone: plain data only, no functions, no class instances.
 */
import type { MessagePort } from 'node:worker_threads';
import type { Parsed } from '../../../spec/input-error.js';
import type { ExploreResult } from '../../check/core/explore.js';
import type { VariantVerdict } from '../../check/frontends/variants.js';
import type { ForwardedState } from '../../check/scale/shard.js';
import type { ShardLevelReport, TeamStart } from '../../check/scale/split-search.js';
import type { ExploreJob } from '../explore-job.js';

/** The shared control block (Int32Array over a SharedArrayBuffer): slot 0 is the stop flag. */
export const STOP_SLOT = 0;
/** Slot of worker i's heap in MiB, which every worker reads for --max-memory. */
export const heapSlot = (worker: number): number => 1 + worker;

export interface WorkerData {
  readonly index: number;
  readonly workers: number;
  readonly control: SharedArrayBuffer;
}

export type ToWorker =
  | { readonly kind: 'peers'; readonly ports: readonly (MessagePort | null)[] }
  | { readonly kind: 'explore'; readonly id: number; readonly job: ExploreJob }
  | { readonly kind: 'variant'; readonly id: number; readonly name: string }
  | { readonly kind: 'split-start'; readonly id: number; readonly job: ExploreJob }
  | { readonly kind: 'split-level'; readonly id: number; readonly level: number }
  | { readonly kind: 'split-end'; readonly id: number };

export type FromWorker =
  | {
      readonly kind: 'result';
      readonly id: number;
      readonly result: ExploreResult;
      readonly seconds: number;
    }
  | { readonly kind: 'verdict'; readonly id: number; readonly verdict: Parsed<VariantVerdict> }
  | { readonly kind: 'split-started'; readonly id: number; readonly start: TeamStart }
  | { readonly kind: 'split-level'; readonly id: number; readonly report: ShardLevelReport }
  | {
      readonly kind: 'progress';
      readonly id: number;
      readonly states: number;
      readonly depth: number;
    }
  | { readonly kind: 'error'; readonly id: number; readonly message: string };

/** Successors one shard sends another for one level of a split job. */
export interface PeerBatch {
  readonly id: number;
  readonly level: number;
  readonly batch: readonly ForwardedState[];
}
