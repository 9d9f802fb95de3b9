/**
 * Running the design variants: each on its debate's scenario, with the emulator's rules changed,
 * the spec kept for its caller contract, every invariant checked, and the shortest trace kept for
 * each invariant the variant breaks.
 */
import { inputError, type Parsed } from '../../../spec/input-error.js';
import { ACTION_INVARIANTS, INVARIANTS } from '../../../spec/invariants/index.js';
import type { SpecModel } from '../../../spec/model.js';
import { parseScenario } from '../../../spec/parse.js';
import type { Scenario } from '../../../spec/scenario.js';
import { DEBATES, VARIANTS } from '../../../spec/variants/index.js';
import type { Variant } from '../../../spec/variants/types.js';
import type { TraceJson } from '../core/counterexample.js';
import { explore } from '../core/explore.js';

export interface VariantVerdict {
  readonly debate: string;
  readonly debateTitle: string;
  readonly name: string;
  readonly merged: boolean;
  readonly summary: string;
  readonly scenario: string;
  readonly states: number;
  readonly result: 'pass' | 'violation' | 'incomplete';
  /** Every invariant: "holds" or "violated". */
  readonly invariants: Readonly<Record<string, 'holds' | 'violated'>>;
  /** For each violated invariant: the shortest trace and its length. */
  readonly violations: readonly {
    readonly invariant: string;
    readonly message: string;
    readonly steps: number;
    readonly trace: TraceJson;
  }[];
  readonly costs?: Readonly<Record<string, number | string>>;
  /** The objection it answers, and whether the model agrees with it. */
  readonly objection?: Variant['objection'];
  readonly expected: Variant['expected'];
  /** The verdict matches what the variant's definition pins. */
  readonly asExpected: boolean;
  readonly finding?: string;
}

export function variantScenario(v: Variant): Parsed<Scenario> {
  const p = parseScenario(v.scenario, `variant ${v.name}`);
  if (!p.ok || v.kernel?.revision === undefined) return p;
  return {
    ok: true,
    value: { ...p.value, kernel: { ...p.value.kernel, revision: v.kernel.revision } },
  };
}

export function runVariant(
  v: Variant,
  specFor: (s: Scenario) => SpecModel | null,
  maxStates = 200_000,
): Parsed<VariantVerdict> {
  const sc = variantScenario(v);
  if (!sc.ok) return sc;
  const scenario = sc.value;
  const r = explore(scenario, {
    variant: v.rules,
    spec: specFor(scenario),
    conformance: false,
    collectAll: true,
    contractChanges: v.contract,
    maxStates,
    // Traces name the scenario file by its path from the repository root.
    scenarioRef: `spec/variants/scenarios/${scenario.name}.json`,
  });
  const ids = [...INVARIANTS.map((i) => i.id), ...ACTION_INVARIANTS.map((i) => i.id)];
  const invariants: Record<string, 'holds' | 'violated'> = {};
  for (const id of ids)
    invariants[id] = r.findings.some((f) => f.invariant === id) ? 'violated' : 'holds';
  const violations = r.findings.map((f) => ({
    invariant: f.invariant,
    message: f.message,
    steps: f.trace.steps.length,
    trace: f.trace,
  }));
  const asExpected =
    r.result !== 'incomplete' &&
    (v.expected === 'holds'
      ? violations.length === 0
      : violations.some((x) => x.invariant === (v.expected as { violates: string }).violates));
  return {
    ok: true,
    value: {
      debate: v.debate,
      debateTitle: DEBATES[v.debate] ?? v.debate,
      name: v.name,
      merged: v.merged,
      summary: v.summary,
      scenario: scenario.name,
      states: r.states,
      result: r.result,
      invariants,
      violations,
      ...(v.cost ? { costs: v.cost(scenario) } : {}),
      ...(v.objection ? { objection: v.objection } : {}),
      expected: v.expected,
      asExpected,
      ...(v.finding ? { finding: v.finding } : {}),
    },
  };
}

/** The variants `only` names (a variant or a debate; all when absent). */
export function chooseVariants(only?: string): Parsed<readonly Variant[]> {
  const chosen =
    only === undefined ? VARIANTS : VARIANTS.filter((v) => v.name === only || v.debate === only);
  if (chosen.length === 0) return inputError('--variant', `no variant or debate named "${only}"`);
  return { ok: true, value: chosen };
}

export function runVariants(
  specFor: (s: Scenario) => SpecModel | null,
  only?: string,
): Parsed<VariantVerdict[]> {
  const chosen = chooseVariants(only);
  if (!chosen.ok) return chosen;
  const out: VariantVerdict[] = [];
  for (const v of chosen.value) {
    const r = runVariant(v, specFor);
    if (!r.ok) return r;
    out.push(r.value);
  }
  return { ok: true, value: out };
}
