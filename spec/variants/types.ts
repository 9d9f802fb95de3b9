/**
 * A design variant: one alternative debated on the kernel list, as a named set of rule changes
 * in the emulator (and, where the proposal changes what callers may do, in the caller contract),
 * checked on the debate's scenario. The merged design must hold every invariant; a rejected one
 * whose objection was about correctness must break the invariant the objection predicts; one
 * rejected on cost must show the cost.
 */
import type { CallName } from '../calls.js';
import type { KernelEvent } from '../events.js';
import type { Scenario } from '../scenario.js';
import type { SpecView } from '../view.js';

export interface Objection {
  /** Who raised it on the list. */
  readonly who: string;
  /** What they said, in our own words. */
  readonly said: string;
  readonly ground: 'correctness' | 'cost' | 'design';
}

export interface ContractChange {
  readonly call: CallName;
  /** Whether a caller may make this call under the proposal (replaces the spec's contract). */
  allow(view: SpecView, ev: KernelEvent, scenario: Scenario): boolean;
  readonly why: string;
}

export interface Variant {
  /** The debate's id, named in its section of docs/kernel/14-design-alternatives.md. */
  readonly debate: string;
  readonly name: string;
  readonly merged: boolean;
  /** What the variant does, in one sentence. */
  readonly summary: string;
  /** Emulator rule switches (KernelConfig.variant). */
  readonly rules: readonly string[];
  /** The debate's scenario (raw JSON, validated like any scenario). */
  readonly scenario: unknown;
  /** Changes to the scenario the variant makes (kernel revision). */
  readonly kernel?: { readonly revision?: 'v6.3' | 'v6.12' | 'newest' };
  readonly contract?: readonly ContractChange[];
  readonly objection?: Objection;
  /** The verdict the tests pin: every invariant holds, or this one breaks. */
  readonly expected: 'holds' | { readonly violates: string };
  /** Cost figures on the scenario (bytes, pages, ratios, what becomes impossible). */
  cost?(scenario: Scenario): Readonly<Record<string, number | string>>;
  /** Where the model disagrees with the list, plainly. */
  readonly finding?: string;
}
