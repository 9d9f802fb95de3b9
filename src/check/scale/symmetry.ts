/**
 * Symmetry reduction for the explorer: the product state (spec snapshot, emulator state, user
 * domain slots) relabelled by a device permutation, and the canonical key of a state, the least
 * key over the scenario's symmetry group (spec/symmetry.ts). The explorer dedups on the
 * canonical key but keeps the states it really reached, so every trace it prints is a real path.
 *
 * Sound because each permutation of the group is an automorphism of the product transition
 * system: the scenario rule makes the members indistinguishable to every rule, the spec and
 * emulator relabellings move every field that names a device (machines/runtime/symmetry.ts,
 * symmetry-emulator.ts), and the invariants quantify over all devices alike. States with the same
 * canonical key therefore have the same futures up to relabelling: the same verdicts at the same
 * depths. test/check/scale/symmetry.test.ts checks the commuting square step(perm(s), perm(e)) ==
 * perm(step(s, e)) on reachable states.
 */
import type { Scenario } from '../../../spec/scenario.js';
import {
  type DevicePermutation,
  isIdentity,
  symmetryPermutations,
} from '../../../spec/symmetry.js';
import type { KernelConfig } from '../../kernel/types.js';
import type { LockstepOptions, ProductState } from '../core/lockstep.js';
import { permuteKernelState } from './symmetry-emulator.js';

/** What the explorer did with the scenario's classes (absent when it declares none). */
export interface SymmetryInfo {
  readonly classes: number;
  /** The size of the symmetry group, the identity included. */
  readonly permutations: number;
  readonly applied: boolean;
  /** Why the classes were not used. */
  readonly reason?: string;
}

/** Design-variant rules that break the device symmetry (they order work by device index). */
const ASYMMETRIC_VARIANT_RULES: ReadonlySet<string> = new Set(['smmu-cd-table-per-domain']);

export interface SymmetryOptions extends LockstepOptions {
  /** Use the scenario's symmetry classes (default true when it declares any). */
  readonly symmetry?: boolean;
}

/** The product state relabelled; the spec part only when the key reads it. */
export function permuteProduct(
  cfg: KernelConfig,
  options: SymmetryOptions,
  s: ProductState,
  p: DevicePermutation,
): ProductState {
  if (isIdentity(p)) return s;
  const spec = options.spec ?? null;
  const specPart =
    spec === null || options.conformance === false || spec.permute === undefined
      ? s.spec
      : spec.permute(s.spec, p);
  return { spec: specPart, emu: permuteKernelState(cfg, s.emu, p), users: s.users };
}

export interface Symmetry {
  readonly info: SymmetryInfo;
  /** The canonical key (null: use the plain key). */
  readonly key: ((s: ProductState) => string) | null;
  /** The group's permutations other than the identity, when applied (else none). */
  readonly permutations: readonly DevicePermutation[];
}

/** The scenario's symmetry, as the explorer will use it with these options. */
export function symmetryFor(
  scenario: Scenario,
  cfg: KernelConfig,
  options: SymmetryOptions,
  plainKey: (s: ProductState) => string,
): Symmetry | null {
  if (scenario.symmetry.length === 0) return null;
  const perms = symmetryPermutations(scenario);
  const base = { classes: scenario.symmetry.length, permutations: perms.length };
  const off = (reason: string): Symmetry => ({
    info: { ...base, applied: false, reason },
    key: null,
    permutations: [],
  });
  if (options.symmetry === false) return off('turned off (--no-symmetry)');
  const spec = options.spec ?? null;
  if (spec !== null && options.conformance !== false && spec.permute === undefined)
    return off('the spec model cannot relabel its states');
  const broken = [...(options.variant ?? [])].find((r) => ASYMMETRIC_VARIANT_RULES.has(r));
  if (broken !== undefined)
    return off(`design variant rule "${broken}" orders work by device index`);
  const others = perms.filter((p) => !isIdentity(p));
  return {
    info: { ...base, applied: true },
    permutations: others,
    key: (s) => {
      let best = plainKey(s);
      for (const p of others) {
        const k = plainKey(permuteProduct(cfg, options, s, p));
        if (k < best) best = k;
      }
      return best;
    },
  };
}
