/**
 * The worker thread of `iommu-spec report --workers N` (N > 1): the report's explorations, one
 * after the other, while the main thread measures coverage, searches witnesses and runs the
 * design variants. workerData is the list of jobs; the results are posted back in order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { explore } from '../../check/core/explore.js';
import { type ExploreJob, exploreJobOptions } from '../explore-job.js';

export type ReportExploreResult =
  | { readonly error: string }
  | { readonly result: ReturnType<typeof explore> };

const jobs = workerData as readonly ExploreJob[];
const results: ReportExploreResult[] = jobs.map((job) => {
  const options = exploreJobOptions(job);
  if (typeof options === 'string') return { error: options };
  return { result: explore(job.scenario, options) };
});
parentPort?.postMessage(results);
