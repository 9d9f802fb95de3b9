/** The spec model and variant rules for a run. */
import { inputError, type Parsed } from '../../spec/input-error.js';
import type { SpecModel } from '../../spec/model.js';
import type { Scenario } from '../../spec/scenario.js';

export interface SpecChoice {
  readonly model: SpecModel | null;
  readonly variantRules: readonly string[];
}

export function specFor(_scenario: Scenario, variant: string | undefined): Parsed<SpecChoice> {
  if (variant !== undefined) return inputError('--variant', `unknown variant "${variant}"`);
  return { ok: true, value: { model: null, variantRules: [] } };
}
