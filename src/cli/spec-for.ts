/** The spec model and variant rules for a run. */
import { createSpecModel } from '../../machines/router/kernel.js';
import { inputError, type Parsed } from '../../spec/input-error.js';
import type { SpecModel } from '../../spec/model.js';
import type { Scenario } from '../../spec/scenario.js';
import { VARIANTS } from '../../spec/variants/index.js';
import type { ContractChange } from '../../spec/variants/types.js';

export interface SpecChoice {
  readonly model: SpecModel | null;
  readonly variantRules: readonly string[];
  readonly contractChanges?: readonly ContractChange[];
  /** Variants change the emulator on purpose: no conformance, only invariants. */
  readonly conformance: boolean;
}

/** The statecharts for a scenario. */
export function specModelFor(scenario: Scenario): SpecModel | null {
  return createSpecModel(scenario) as SpecModel;
}

export function specFor(scenario: Scenario, variant: string | undefined): Parsed<SpecChoice> {
  if (variant === undefined)
    return {
      ok: true,
      value: { model: specModelFor(scenario), variantRules: [], conformance: true },
    };
  const v = VARIANTS.find((x) => x.name === variant);
  if (v === undefined)
    return inputError('--variant', `unknown variant "${variant}" (see iommu-spec variants)`);
  return {
    ok: true,
    value: {
      model: specModelFor(scenario),
      variantRules: v.rules,
      contractChanges: v.contract,
      conformance: false,
    },
  };
}
