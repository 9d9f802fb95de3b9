/**
 * A trace replayed step by step with a snapshot of both sides after each step: the spec's view
 * (per group: default domain type, current domain, owner, PASIDs) and the emulator's hardware
 * (STEs/CDs or the driver's table entries, PASID tables, IOTLB entries with their tags, IOVA
 * allocations, flush queues). The replay itself is replayTrace's (./replay.ts), observed; this
 * module only reads the states it passes by. The HTML report's counterexample stepper shows it.
 */
import { domainTypeName } from '../../../spec/domain-types.js';
import { formatRet } from '../../../spec/errno.js';
import type { KernelEvent } from '../../../spec/events.js';
import type { Parsed } from '../../../spec/input-error.js';
import { ACTION_INVARIANTS } from '../../../spec/invariants/index.js';
import type { Scenario } from '../../../spec/scenario.js';
import type { TraceStep } from '../../../spec/trace.js';
import type { SpecView } from '../../../spec/view.js';
import { CD_FIELD_NAMES, entryRoute, STE_FIELD_NAMES } from '../../drivers/index.js';
import type { HwRoute, KernelConfig, KernelState } from '../../kernel/types.js';
import { abstractView, viewDomainName } from './abstraction.js';
import type { UserDomains } from './emulator.js';
import type { ProductState } from './lockstep.js';
import { type ReplayOutcome, replayTrace } from './replay.js';

/** One hardware entry: a one-line reading and its fields (name = value, non-zero ones). */
export interface EntrySnapshot {
  readonly text: string;
  readonly fields: readonly (readonly [string, number])[];
}

export interface DeviceHwSnapshot {
  readonly dev: string;
  readonly iommu: string;
  /** What the RID entry is called on this driver: STE, context entry, DTE, IOAT, RID entry. */
  readonly ridKind: string;
  readonly rid: EntrySnapshot;
  /** What a PASID entry is called: CD, PASID entry, GCR3 entry. */
  readonly pasidKind: string;
  readonly pasidTable: readonly { readonly pasid: number; readonly entry: EntrySnapshot }[];
  /** Where the hardware sends an access: the RID, then each PASID the table or the core holds. */
  readonly routes: readonly { readonly pasid: number | null; readonly route: string }[];
}

export interface IotlbEntrySnapshot {
  readonly tag: number;
  /** The domain the tag belongs to, by its caller name, or "freed". */
  readonly domain: string;
  readonly iova_pfn: number;
  readonly paddr_pfn: number;
}

export interface IommuHwSnapshot {
  readonly name: string;
  readonly driver: string;
  readonly iotlb: readonly IotlbEntrySnapshot[];
  /** Entry-write syncs still to run (hw_steps mode). */
  readonly pending: number;
}

export interface DomainSnapshot {
  /** The slot (and hardware tag). */
  readonly id: number;
  /** How a caller names it (d0, default:g0, blocking:g0, sva:0, #3). */
  readonly name: string;
  readonly type: string;
  readonly iommu: string;
  /** Page-table mappings [iova_pfn, paddr_pfn, pages]. */
  readonly mappings: readonly (readonly [number, number, number])[];
  /** IOVA ranges allocated [lo, hi] (reserved ones excluded) and the reserved ones. */
  readonly iova: readonly (readonly [number, number])[] | null;
  readonly reserved: readonly (readonly [number, number])[] | null;
  /** IOVAs parked in the rcache magazines. */
  readonly rcached: readonly number[];
  /** Unmapped ranges not yet synced (iotlb_gather). */
  readonly gather: readonly (readonly [number, number])[];
  /** The flush queue, when the domain has one. */
  readonly fq: {
    readonly entries: readonly {
      readonly iova_pfn: number;
      readonly pages: number;
      readonly counter: number;
    }[];
    readonly size: number;
    readonly start: number;
    readonly finish: number;
    readonly timer: boolean;
  } | null;
}

export interface StateSnapshot {
  /** The spec's view (null when no spec is held: a design variant's own run uses the emulator's). */
  readonly spec: SpecView | null;
  /** The emulator's state seen as the spec's view (spec/view.ts). */
  readonly emulator: SpecView;
  readonly groups: readonly string[];
  readonly devices: readonly DeviceHwSnapshot[];
  readonly iommus: readonly IommuHwSnapshot[];
  readonly domains: readonly DomainSnapshot[];
  readonly globalPasids: readonly number[];
  readonly warnings: readonly string[];
}

export interface StepSnapshot {
  readonly index: number;
  readonly call: string;
  readonly args: Readonly<Record<string, string | number | null>>;
  /** The spec's return in its normalised form ("*": any; "IOVA": an IOVA), null without a spec. */
  readonly specRet: string | null;
  /** The emulator's return, as the trace format writes it. */
  readonly emuRet: string;
  readonly expect?: string;
  readonly warnings: readonly string[];
  readonly divergence?: string;
  readonly violations: readonly {
    readonly invariant: string;
    readonly citation: string;
    readonly message: string;
  }[];
  readonly state: StateSnapshot;
}

export interface TraceSnapshots {
  readonly scenario: string;
  readonly initial: StateSnapshot;
  readonly steps: readonly StepSnapshot[];
  readonly outcome: ReplayOutcome;
}

const ACTION_IDS = new Set(ACTION_INVARIANTS.map((a) => a.id));

const RID_KIND: Readonly<Record<string, string>> = {
  'arm-smmu-v3': 'STE',
  'intel-vtd': 'context entry',
  amd: 'DTE',
  s390: 'IOAT',
  mock: 'RID entry',
};
const PASID_KIND: Readonly<Record<string, string>> = {
  'arm-smmu-v3': 'CD',
  'intel-vtd': 'PASID entry',
  amd: 'GCR3 entry',
  s390: 'PASID entry',
  mock: 'PASID entry',
};

/** A domain's caller name, from the first group that names it otherwise than `#id`. */
function domainName(cfg: KernelConfig, st: KernelState, users: UserDomains, id: number): string {
  let fallback = `#${id}`;
  for (let g = 0; g < st.groups.length; g++) {
    const n = viewDomainName(st, users, g, id);
    if (n === 'default' || n === 'blocking') return `${n}:${cfg.groups[g].name}`;
    if (!n.startsWith('#')) fallback = n;
  }
  return fallback;
}

function routeText(cfg: KernelConfig, st: KernelState, users: UserDomains, r: HwRoute): string {
  if (r.kind !== 'translate') return r.kind;
  const d = st.domains[r.domain];
  return d === null || d === undefined
    ? `translate via freed domain #${r.domain}`
    : `translate via ${domainName(cfg, st, users, r.domain)} (#${r.domain})`;
}

function entrySnapshot(
  cfg: KernelConfig,
  st: KernelState,
  users: UserDomains,
  driver: string,
  kind: 'rid' | 'pasid',
  e: readonly number[],
): EntrySnapshot {
  if (driver === 'arm-smmu-v3') {
    const names = kind === 'rid' ? STE_FIELD_NAMES : CD_FIELD_NAMES;
    const fields = e.map((v, i) => [names[i] ?? `f${i}`, v] as const).filter(([, v]) => v !== 0);
    const text =
      e.length === 0
        ? 'not written (abort)'
        : fields.length === 0
          ? 'V=0 (invalid)'
          : fields.map(([n, v]) => `${n}=${v}`).join(' ');
    return { text, fields };
  }
  const fields =
    e.length >= 2
      ? ([
          ['kind', e[0]],
          ['domain', e[1]],
        ] as const)
      : [];
  return { text: routeText(cfg, st, users, entryRoute(e)), fields };
}

/** The hardware and the view of one product state. */
export function stateSnapshot(
  cfg: KernelConfig,
  s: ProductState,
  specView: SpecView | null,
): StateSnapshot {
  const st = s.emu;
  const users = s.users;
  const devices: DeviceHwSnapshot[] = cfg.devices.map((d) => {
    const driver = cfg.iommus[d.iommu].driver;
    const h = st.hwdev[d.index];
    const pasids = new Set<number>();
    for (const e of h.pasid_table ?? []) if (e.pasid !== 0) pasids.add(e.pasid);
    for (const e of st.groups[d.group].pasid_array) pasids.add(e.pasid);
    const walk = (p: number) =>
      routeText(cfg, st, users, cfg.ops[d.iommu].walk(cfg, st, d.index, p));
    return {
      dev: d.name,
      iommu: cfg.iommus[d.iommu].name,
      ridKind: RID_KIND[driver] ?? 'RID entry',
      rid: entrySnapshot(cfg, st, users, driver, 'rid', h.rid),
      pasidKind: PASID_KIND[driver] ?? 'PASID entry',
      pasidTable: (h.pasid_table ?? []).map((e) => ({
        pasid: e.pasid,
        entry: entrySnapshot(cfg, st, users, driver, 'pasid', e.entry),
      })),
      routes: [
        { pasid: null, route: walk(0) },
        ...[...pasids].sort((a, b) => a - b).map((p) => ({ pasid: p, route: walk(p) })),
      ],
    };
  });
  const iommus: IommuHwSnapshot[] = cfg.iommus.map((m, i) => ({
    name: m.name,
    driver: m.driver,
    iotlb: st.hw[i].iotlb.map((e) => ({
      tag: e.tag,
      domain:
        st.domains[e.tag] === null || st.domains[e.tag] === undefined
          ? 'freed'
          : domainName(cfg, st, users, e.tag),
      iova_pfn: e.iova_pfn,
      paddr_pfn: e.paddr_pfn,
    })),
    pending: st.hw[i].pending.length,
  }));
  const domains: DomainSnapshot[] = [];
  for (const d of st.domains) {
    if (d === null) continue;
    const c = d.cookie;
    const reserved = c?.iovad.reserved ?? null;
    const isReserved = (r: readonly [number, number]) =>
      reserved?.some(([lo, hi]) => lo === r[0] && hi === r[1]) ?? false;
    const rcached: number[] = [];
    for (const bin of c?.iovad.rcaches ?? [])
      for (const mag of [bin.loaded, bin.prev, ...bin.depot]) rcached.push(...mag);
    domains.push({
      id: d.id,
      name: domainName(cfg, st, users, d.id),
      type: domainTypeName(d.type),
      iommu: cfg.iommus[d.iommu]?.name ?? String(d.iommu),
      mappings: d.pgtable.map((m) => [m.iova_pfn, m.paddr_pfn, m.pages] as const),
      iova: c === null ? null : c.iovad.ranges.filter((r) => !isReserved(r)),
      reserved,
      rcached: rcached.sort((a, b) => a - b),
      gather: d.gather,
      fq:
        c?.fq == null
          ? null
          : {
              entries: c.fq.entries.map((e) => ({ ...e })),
              size: c.fq.size,
              start: c.fq.fq_flush_start_cnt,
              finish: c.fq.fq_flush_finish_cnt,
              timer: c.fq.fq_timer_on,
            },
    });
  }
  return {
    spec: specView,
    emulator: abstractView(cfg, st, users),
    groups: cfg.groups.map((g) => g.name),
    devices,
    iommus,
    domains,
    globalPasids: [...st.global_pasids],
    warnings: [...st.warnings],
  };
}

function argsOf(step: TraceStep): Record<string, string | number | null> {
  return { ...step.args, ...(step.as !== undefined ? { as: step.as } : {}) };
}

/**
 * Replay `steps` (replayTrace, with the same options) and snapshot the state after boot and
 * after each step. It stops where replay stops: at the first mismatch, divergence or violation.
 */
export function traceSnapshots(
  scenario: Scenario,
  steps: readonly TraceStep[],
  options: Parameters<typeof replayTrace>[2] = {},
): Parsed<TraceSnapshots> {
  const spec = options.spec ?? null;
  const booted: { cfg?: KernelConfig; initial?: StateSnapshot } = {};
  const out: StepSnapshot[] = [];
  // A state invariant is shown at the step where it starts to fail, an action invariant where
  // the step breaks it.
  let broken = new Set<string>();
  const viewOf = (s: ProductState): SpecView | null =>
    spec === null || s.spec === null ? null : spec.view(s.spec);
  const r = replayTrace(scenario, steps, options, {
    boot(ls, state) {
      booted.cfg = ls.cfg;
      booted.initial = stateSnapshot(ls.cfg, state, viewOf(state));
    },
    step(replayed, _ev: KernelEvent, res) {
      const step = steps.find((s) => s.index === replayed.index);
      const cfg = booted.cfg;
      if (cfg === undefined || step === undefined) return;
      const all = res.violations.length > 0 ? res.violations : res.violation ? [res.violation] : [];
      const violations = all.filter((v) => ACTION_IDS.has(v.invariant) || !broken.has(v.invariant));
      broken = new Set(all.filter((v) => !ACTION_IDS.has(v.invariant)).map((v) => v.invariant));
      out.push({
        index: replayed.index,
        call: replayed.call,
        args: argsOf(step),
        specRet: res.specRet === null ? null : String(res.specRet),
        emuRet: formatRet(replayed.ret),
        ...(replayed.expect !== undefined ? { expect: formatRet(replayed.expect) } : {}),
        warnings: replayed.warnings,
        ...(res.divergence !== null ? { divergence: res.divergence } : {}),
        violations: violations.map((v) => ({ ...v })),
        state: stateSnapshot(cfg, res.next, viewOf(res.next)),
      });
    },
  });
  if (!r.ok) return r;
  const initial = booted.initial;
  if (initial === undefined) throw new Error('replayTrace did not report its boot state');
  return {
    ok: true,
    value: { scenario: scenario.name, initial, steps: out, outcome: r.value.outcome },
  };
}
