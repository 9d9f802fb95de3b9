/**
 * Test cases for CI reporters: one per (scenario, invariant), as kernel CI and JUnit consumers
 * expect named cases. An invariant fails in a scenario when a finding names it; a search cut short
 * marks the scenario's cases as skipped (not proven).
 */
import { ACTION_INVARIANTS, INVARIANTS } from '../../spec/invariants/index.js';

export interface CheckCase {
  readonly name: string;
  readonly status: 'pass' | 'fail' | 'skip';
  readonly message?: string;
  /** The counterexample trace, for failures. */
  readonly detail?: string;
}

export interface CheckSuite {
  readonly name: string;
  readonly cases: readonly CheckCase[];
  readonly seconds?: number;
}

export interface SuiteInput {
  readonly scenario: string;
  readonly result: 'pass' | 'violation' | 'incomplete';
  readonly incomplete?: string;
  readonly findings: readonly {
    readonly invariant: string;
    readonly message: string;
    readonly trace: unknown;
  }[];
}

export const INVARIANT_IDS: readonly string[] = [
  'Conformance',
  ...INVARIANTS.map((i) => i.id),
  ...ACTION_INVARIANTS.map((i) => i.id),
];

export function suiteFor(r: SuiteInput, seconds?: number): CheckSuite {
  const cases = INVARIANT_IDS.map((id): CheckCase => {
    const f = r.findings.find((x) => x.invariant === id);
    if (f !== undefined)
      return {
        name: id,
        status: 'fail',
        message: f.message,
        detail: JSON.stringify(f.trace, null, 2),
      };
    if (r.result === 'incomplete')
      return { name: id, status: 'skip', message: r.incomplete ?? 'search incomplete' };
    if (r.result === 'violation')
      return { name: id, status: 'skip', message: 'search stopped at the first violation' };
    return { name: id, status: 'pass' };
  });
  return { name: r.scenario, cases, seconds };
}
