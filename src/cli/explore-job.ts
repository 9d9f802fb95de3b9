/**
 * One exploration as `iommu-spec explore` describes it: plain data (it crosses to worker threads),
 * and the explorer options it stands for, built the same way in the CLI and in a worker.
 */
import { formatInputError } from '../../spec/input-error.js';
import type { Scenario } from '../../spec/scenario.js';
import type { ExploreOptions } from '../check/core/explore.js';
import { specFor } from './spec-for.js';

export interface ExploreJob {
  /** How counterexample traces name the scenario (a built-in name or the path given). */
  readonly ref: string;
  readonly scenario: Scenario;
  readonly variant?: string;
  readonly mutants?: readonly string[];
  readonly maxStates?: number;
  readonly fingerprint?: boolean;
  /** false: ignore the scenario's symmetry classes (--no-symmetry). */
  readonly symmetry?: boolean;
  /** MiB; with workers, the heaps of all workers together. */
  readonly maxMemory?: number;
}

/** The explorer's options for a job, without progress and stop hooks; an error message if the variant is unknown. */
export function exploreJobOptions(job: ExploreJob): ExploreOptions | string {
  const spec = specFor(job.scenario, job.variant);
  if (!spec.ok) return formatInputError(spec);
  return {
    spec: spec.value.model,
    variant: spec.value.variantRules,
    conformance: spec.value.conformance,
    contractChanges: spec.value.contractChanges,
    mutants: job.mutants,
    maxStates: job.maxStates,
    fingerprint: job.fingerprint,
    symmetry: job.symmetry,
    scenarioRef: job.ref,
  };
}
