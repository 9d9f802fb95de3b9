/**
 * The lockstep step, written once and used by every mode (explore, replay, path tests, random
 * runs): the spec transition gives the expected return and next spec state, the emulator gives
 * the actual ones; then conformance (returns equal, views equal) and every invariant.
 */
import { callSpec } from '../../../spec/calls.js';
import type { KernelEvent, KernelRet } from '../../../spec/events.js';
import { ACTION_INVARIANTS, INVARIANTS } from '../../../spec/invariants/index.js';
import {
  ANY_RET,
  IOVA_RET,
  retAllowed,
  type SpecModel,
  type SpecRet,
} from '../../../spec/model.js';
import type { Observation } from '../../../spec/observe.js';
import type { Scenario } from '../../../spec/scenario.js';
import type { ContractChange } from '../../../spec/variants/types.js';
import { sameView, viewKey } from '../../../spec/view.js';
import { reportHwUpdates } from '../../drivers/index.js';
import { type ConfigOptions, cloneKernelState, kernelStateKey } from '../../kernel/state.js';
import type { KernelConfig, KernelState } from '../../kernel/types.js';
import { abstractView, viewDomainName } from './abstraction.js';
import { type Emulator, emuStep, resolveDomain, type UserDomains } from './emulator.js';
import { observe } from './observe.js';

export interface ProductState {
  readonly spec: unknown;
  readonly emu: KernelState;
  readonly users: UserDomains;
}

export interface Violation {
  readonly invariant: string;
  readonly citation: string;
  readonly message: string;
}

export interface StepResult {
  readonly next: ProductState;
  readonly emuRet: KernelRet;
  readonly specRet: SpecRet | null;
  /** The emulator and the spec disagree (return or view). */
  readonly divergence: string | null;
  readonly violation: Violation | null;
  /** With allViolations: every invariant the step broke (violation is the first). */
  readonly violations: readonly Violation[];
}

export interface LockstepOptions extends ConfigOptions {
  /** The spec to hold the emulator to; null checks the emulator against the invariants only. */
  readonly spec?: SpecModel | null;
  /** Only these invariants (all when absent). */
  readonly invariants?: readonly string[];
  /**
   * Compare returns and views with the spec (default true). Design variants change the
   * emulator's rules on purpose, so their runs keep the spec's caller contract and invariants
   * but not conformance.
   */
  readonly conformance?: boolean;
  /** Report every invariant a step breaks, not only the first (variant tables). */
  readonly allViolations?: boolean;
  /**
   * A design variant's changes to the caller contract, judged on the emulator's own view (under
   * a variant the spec's state need not track the emulator's).
   */
  readonly contractChanges?: readonly ContractChange[];
}

/**
 * One step without the state invariants of the state it reaches (the explorer checks those once
 * per new state, `stateViolations`): the successor, both returns, conformance and the action
 * invariants, which read observations only when the call is theirs (lazily, cached per state).
 */
export interface TransitionResult {
  readonly next: ProductState;
  readonly emuRet: KernelRet;
  readonly specRet: SpecRet | null;
  readonly divergence: string | null;
  /** The action invariants the step broke (with allViolations every one, else at most one). */
  readonly actionViolations: readonly Violation[];
}

export interface Lockstep {
  readonly cfg: KernelConfig;
  readonly initial: ProductState;
  step(s: ProductState, ev: KernelEvent): StepResult;
  /** step() without the state invariants of the successor. */
  transition(s: ProductState, ev: KernelEvent): TransitionResult;
  /** The state invariants a state breaks (with allViolations every one, else at most one). */
  stateViolations(s: ProductState): Violation[];
  /** The state invariants on one state. */
  check(s: ProductState): Violation | null;
  /** Every state invariant one state breaks. */
  checkAllOf(s: ProductState): Violation[];
  key(s: ProductState): string;
  allowed(s: ProductState, ev: KernelEvent): boolean;
}

/** The emulator's return in the spec's normalised form (spec/model.ts SpecRet). */
export function normaliseRet(
  cfg: KernelConfig,
  st: KernelState,
  users: UserDomains,
  ev: KernelEvent,
  ret: KernelRet,
): SpecRet {
  switch (ev.type) {
    case 'iommu_paging_domain_alloc':
    case 'iommu_get_domain_for_dev': {
      if (typeof ret !== 'number' || ret < 0) return ret;
      return `domain:${viewDomainName(st, users, cfg.devices[ev.dev ?? 0].group, ret)}`;
    }
    case 'dma_map_single':
      return typeof ret === 'number' ? IOVA_RET : ret;
    case 'fault_inject':
      return ANY_RET;
    default:
      return ret;
  }
}

/**
 * Exploration bounds on kernel refcounts, which otherwise grow without end: each device of a
 * group claims DMA ownership at most once (owner_cnt <= group size), and an SVA bond is taken at
 * most twice (enough to exercise its refcount).
 */
export function withinRefcountBounds(cfg: KernelConfig, st: KernelState, ev: KernelEvent): boolean {
  if (ev.type === 'iommu_device_claim_dma_owner' && ev.dev !== undefined) {
    const g = cfg.devices[ev.dev].group;
    return st.groups[g].owner_cnt < cfg.groups[g].devices.length;
  }
  if (ev.type === 'iommu_sva_bind_device' && ev.dev !== undefined && ev.mm !== undefined) {
    const pasid = st.mms[ev.mm].pasid;
    const g = cfg.devices[ev.dev].group;
    const entry = st.groups[g].pasid_array.find((e) => e.pasid === pasid);
    const bond = entry?.handle ? st.svas.find((b) => b.name === entry.handle) : undefined;
    return bond === undefined || bond.users < 2;
  }
  return true;
}

/**
 * Whether a domain is in use in the emulator: a group's current or blocking domain, or in a
 * pasid_array. Under a design variant the spec's contract can lag the emulator, and freeing such
 * a domain is a caller's use-after-free, not the variant's doing.
 */
function attachedInEmulator(st: KernelState, id: number): boolean {
  return st.groups.some(
    (g) =>
      g.domain === id || g.blocking_domain === id || g.pasid_array.some((e) => e.domain === id),
  );
}

export function createLockstep(
  scenario: Scenario,
  emu: Emulator,
  options: LockstepOptions = {},
): Lockstep {
  const cfg = emu.cfg;
  const spec = options.spec ?? null;
  const only = options.invariants ? new Set(options.invariants) : null;
  const invariants = INVARIANTS.filter((i) => only === null || only.has(i.id));
  const actions = ACTION_INVARIANTS.filter((i) => only === null || only.has(i.id));
  const initial: ProductState = {
    spec: spec === null ? null : spec.initial,
    emu: emu.initial,
    users: [],
  };
  // One observation per product state, computed when first read and kept with the state while it
  // lives (the explorer drops a state once expanded).
  const observations = new WeakMap<ProductState, Observation>();
  const obs = (s: ProductState): Observation => {
    let o = observations.get(s);
    if (o === undefined) {
      o = observe(cfg, s.emu, s.users, reportHwUpdates);
      observations.set(s, o);
    }
    return o;
  };
  const LazyObs = lazyObservationClass(obs(initial));
  const conformance = options.conformance ?? true;
  const all = options.allViolations ?? false;

  function checkAll(o: Observation, out: Violation[]): void {
    for (const inv of invariants) {
      const msg = inv.holds(o);
      if (msg !== null) {
        out.push({ invariant: inv.id, citation: inv.citation, message: msg });
        if (!all) return;
      }
    }
  }
  function checkState(o: Observation): Violation | null {
    const out: Violation[] = [];
    checkAll(o, out);
    return out[0] ?? null;
  }

  /** Returns equal and views equal, or what differs. */
  function conformanceOf(
    ev: KernelEvent,
    expected: SpecRet,
    specNext: unknown,
    emuState: KernelState,
    users: UserDomains,
    ret: KernelRet,
  ): string | null {
    const got = normaliseRet(cfg, emuState, users, ev, ret);
    if (!retAllowed(expected, got)) {
      return `${ev.type} returned ${JSON.stringify(got)} but the spec says ${JSON.stringify(expected)}`;
    }
    const ve = abstractView(cfg, emuState, users);
    const vs = spec!.view(specNext);
    return sameView(ve, vs)
      ? null
      : `after ${ev.type} the emulator's state ${viewKey(ve)} differs from the spec's ${viewKey(vs)}`;
  }

  function transition(s: ProductState, ev: KernelEvent): TransitionResult {
    const emuState = cloneKernelState(s.emu);
    const r = emuStep(cfg, emuState, s.users, ev);
    let divergence: string | null = null;
    let specRet: SpecRet | null = null;
    let specNext: unknown = null;
    if (spec !== null && callSpec(ev.type).proposal !== undefined) {
      // A proposed call the merged kernel never had: the spec has no transition for it.
      specNext = s.spec;
    } else if (spec !== null) {
      const t = spec.step(s.spec, ev);
      specRet = t.ret;
      specNext = t.next;
      // Variant runs keep the spec only for its caller contract.
      if (conformance) divergence = conformanceOf(ev, t.ret, specNext, emuState, r.users, r.ret);
    }
    const next: ProductState = { spec: specNext, emu: emuState, users: r.users };
    const actionViolations: Violation[] = [];
    if (divergence === null && actions.length > 0) {
      // Most calls are no action invariant's: those read neither observation.
      const before = new LazyObs(() => obs(s));
      const after = new LazyObs(() => obs(next));
      for (const a of actions) {
        const msg = a.holds(before, ev, r.ret, after);
        if (msg !== null) {
          actionViolations.push({ invariant: a.id, citation: a.citation, message: msg });
          if (!all) break;
        }
      }
    }
    return { next, emuRet: r.ret, specRet, divergence, actionViolations };
  }

  return {
    cfg,
    initial,
    step(s, ev) {
      const t = transition(s, ev);
      const violations: Violation[] = [];
      if (t.divergence === null) {
        checkAll(obs(t.next), violations);
        if (all || violations.length === 0) violations.push(...t.actionViolations);
      }
      return {
        next: t.next,
        emuRet: t.emuRet,
        specRet: t.specRet,
        divergence: t.divergence,
        violation: violations[0] ?? null,
        violations,
      };
    },
    transition,
    stateViolations(s) {
      // Not kept: a state's own observation is read again only if an action invariant asks.
      const out: Violation[] = [];
      checkAll(observations.get(s) ?? observe(cfg, s.emu, s.users, reportHwUpdates), out);
      return out;
    },
    check: (s) => checkState(obs(s)),
    checkAllOf(s) {
      const out: Violation[] = [];
      const o = obs(s);
      for (const inv of invariants) {
        const msg = inv.holds(o);
        if (msg !== null) out.push({ invariant: inv.id, citation: inv.citation, message: msg });
      }
      return out;
    },
    key(s) {
      // Without conformance (design variants) the spec only proposes calls; its state need not
      // track the emulator's, so the emulator alone identifies a state.
      const sk = spec === null || !conformance ? '' : spec.key(s.spec);
      return `${sk}|${s.users.join(',')}|${kernelStateKey(s.emu)}`;
    },
    allowed(s, ev) {
      // A call naming a domain the caller does not hold (a free slot, a NULL blocking domain) is
      // not a call anyone can make, whatever the spec says.
      if (ev.domain !== undefined) {
        const id = resolveDomain(s.emu, s.users, ev);
        if (id < 0 || s.emu.domains[id] === null || s.emu.domains[id] === undefined) return false;
      }
      if (!withinRefcountBounds(cfg, s.emu, ev)) return false;
      if (
        !conformance &&
        ev.type === 'iommu_domain_free' &&
        attachedInEmulator(s.emu, resolveDomain(s.emu, s.users, ev))
      ) {
        return false;
      }
      const change = options.contractChanges?.find((c) => c.call === ev.type);
      if (change !== undefined)
        return change.allow(abstractView(cfg, s.emu, s.users), ev, scenario);
      return spec === null ? true : spec.allowed(s.spec, ev);
    },
  };
}

export { cloneKernelState };

/**
 * A class whose instances stand for an observation computed on first read: one getter per field
 * of `sample` (every observation has the same fields), each computing the whole observation once.
 */
function lazyObservationClass(
  sample: Observation,
): new (
  compute: () => Observation,
) => Observation {
  class Lazy {
    private o: Observation | null = null;
    constructor(private readonly compute: () => Observation) {}
    full(): Observation {
      this.o ??= this.compute();
      return this.o;
    }
  }
  for (const k of Object.keys(sample) as (keyof Observation)[])
    Object.defineProperty(Lazy.prototype, k, {
      get(this: Lazy) {
        return this.full()[k];
      },
    });
  // The getters above give it every field of Observation.
  return Lazy as unknown as new (
    compute: () => Observation,
  ) => Observation;
}
