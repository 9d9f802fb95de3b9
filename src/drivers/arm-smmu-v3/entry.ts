/**
 * ARM SMMUv3 stream table entries (STE) and context descriptors (CD), and the hitless update
 * algorithm the driver uses to rewrite them while the SMMU may be reading them.
 *
 * Source: drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c (arm_smmu_get_ste_used,
 * arm_smmu_get_ste_update_safe, arm_smmu_get_cd_used, arm_smmu_entry_qword_diff, entry_set,
 * arm_smmu_write_entry, arm_smmu_make_*_ste, arm_smmu_make_s1_cd, arm_smmu_clear_cd) and
 * arm-smmu-v3-sva.c (arm_smmu_make_sva_cd), newest generation: the one with
 * arm_smmu_get_ste_update_safe() (upstream 2781f2a930ab, "Add update_safe bits to fix STE update
 * sequence", backported to 6.19.y), MEV in the used masks and S2S on stall-capable S2 STEs.
 * `update_safe: false` gives the earlier writer (v6.10 .. v6.18), which had no safe bits.
 *
 * Representation: an entry is a `number[]` of FIELD values, not of bits. Each field lives in one
 * 64-bit qword (STE_FIELD_QWORD / CD_FIELD_QWORD). The SMMU reads a qword atomically, so the
 * algorithm reasons per qword exactly as the kernel does; fields stand in for the bit masks.
 * Fields the driver never sets (ENDI, S2ENDI, HA/HD, HAFT, ...) are not modelled.
 *
 * The modelled SMMU has the features of the kernel's KUnit SMMU (arm-smmu-v3-test.c):
 * ARM_SMMU_FEAT_STALLS | ARM_SMMU_FEAT_ATTR_TYPES_OVR, plus ARM_SMMU_FEAT_2_LVL_CDTAB; no E2H and
 * no STALL_FORCE.
 */

/* ------------------------------------------------------------------------------------------ */
/* Field layouts                                                                              */
/* ------------------------------------------------------------------------------------------ */

/** NUM_ENTRY_QWORDS: both an STE and a CD are 8 qwords (64 bytes). */
export const NUM_ENTRY_QWORDS = 8;

/** The STE fields modelled, in index order, each with the qword that holds it. */
const STE_LAYOUT = [
  ['V', 0],
  ['CFG', 0],
  ['S1FMT', 0],
  ['S1CTXPTR', 0],
  ['S1CDMAX', 0],
  ['S1DSS', 1],
  ['S1CIR', 1],
  ['S1COR', 1],
  ['S1CSH', 1],
  ['S2FWB', 1],
  ['MEV', 1],
  ['S1STALLD', 1],
  ['EATS', 1],
  ['STRW', 1],
  ['SHCFG', 1],
  ['S2VMID', 2],
  ['VTCR', 2],
  ['S2AA64', 2],
  ['S2PTW', 2],
  ['S2S', 2],
  ['S2R', 2],
  ['S2TTB', 3],
] as const;

/** The CD fields modelled, in index order, each with the qword that holds it. */
const CD_LAYOUT = [
  ['V', 0],
  ['T0SZ', 0],
  ['TG0', 0],
  ['IRGN0', 0],
  ['ORGN0', 0],
  ['SH0', 0],
  ['EPD0', 0],
  ['EPD1', 0],
  ['IPS', 0],
  ['AA64', 0],
  ['S', 0],
  ['R', 0],
  ['A', 0],
  ['ASET', 0],
  ['ASID', 0],
  ['TTB0', 1],
  ['MAIR', 3],
] as const;

export type SteFieldName = (typeof STE_LAYOUT)[number][0];
export type CdFieldName = (typeof CD_LAYOUT)[number][0];

function field_index<N extends string>(
  layout: readonly (readonly [N, number])[],
): { readonly [K in N]: number } {
  const out: Partial<Record<N, number>> = {};
  layout.forEach(([name], i) => {
    out[name] = i;
  });
  return out as { readonly [K in N]: number };
}

/** STE field indices: `ste[STE.CFG]` is STRTAB_STE_0_CFG. */
export const STE: { readonly [K in SteFieldName]: number } = field_index(STE_LAYOUT);
/** CD field indices: `cd[CD.ASID]` is CTXDESC_CD_0_ASID. */
export const CD: { readonly [K in CdFieldName]: number } = field_index(CD_LAYOUT);

export const STE_NUM_FIELDS = STE_LAYOUT.length;
export const CD_NUM_FIELDS = CD_LAYOUT.length;
/** Name of each STE field, by index. */
export const STE_FIELD_NAMES: readonly SteFieldName[] = STE_LAYOUT.map(([n]) => n);
/** Name of each CD field, by index. */
export const CD_FIELD_NAMES: readonly CdFieldName[] = CD_LAYOUT.map(([n]) => n);
/** The qword holding each STE field, by index. */
export const STE_FIELD_QWORD: readonly number[] = STE_LAYOUT.map(([, q]) => q);
/** The qword holding each CD field, by index. */
export const CD_FIELD_QWORD: readonly number[] = CD_LAYOUT.map(([, q]) => q);

/** Which structure an entry is. */
export type EntryKind = 'ste' | 'cd';

function field_qwords(kind: EntryKind): readonly number[] {
  return kind === 'ste' ? STE_FIELD_QWORD : CD_FIELD_QWORD;
}

function field_names(kind: EntryKind): readonly string[] {
  return kind === 'ste' ? STE_FIELD_NAMES : CD_FIELD_NAMES;
}

/** Number of fields of an entry of this kind. */
export function entry_num_fields(kind: EntryKind): number {
  return kind === 'ste' ? STE_NUM_FIELDS : CD_NUM_FIELDS;
}

/* ------------------------------------------------------------------------------------------ */
/* Field values (arm-smmu-v3.h)                                                               */
/* ------------------------------------------------------------------------------------------ */

export const STRTAB_STE_0_CFG_ABORT = 0;
export const STRTAB_STE_0_CFG_BYPASS = 4;
export const STRTAB_STE_0_CFG_S1_TRANS = 5;
export const STRTAB_STE_0_CFG_S2_TRANS = 6;
export const STRTAB_STE_0_CFG_NESTED = 7;

export const STRTAB_STE_0_S1FMT_LINEAR = 0;
export const STRTAB_STE_0_S1FMT_64K_L2 = 2;

export const STRTAB_STE_1_S1DSS_TERMINATE = 0;
export const STRTAB_STE_1_S1DSS_BYPASS = 1;
export const STRTAB_STE_1_S1DSS_SSID0 = 2;

export const STRTAB_STE_1_S1C_CACHE_WBRA = 1;
export const ARM_SMMU_SH_ISH = 3;
export const STRTAB_STE_1_EATS_TRANS = 1;
export const STRTAB_STE_1_EATS_S1CHK = 2;
export const STRTAB_STE_1_STRW_NSEL1 = 0;
export const STRTAB_STE_1_SHCFG_INCOMING = 1;

/** CTXDESC_L2_ENTRIES: CDs per leaf table of a two-level CD table. */
export const CTXDESC_L2_ENTRIES = 1024;

/** The S1DSS choices arm_smmu_make_cdtable_ste() takes, by name. */
export type S1dss = 'terminate' | 'bypass' | 'ssid0';

const S1DSS_VALUE: Readonly<Record<S1dss, number>> = {
  terminate: STRTAB_STE_1_S1DSS_TERMINATE,
  bypass: STRTAB_STE_1_S1DSS_BYPASS,
  ssid0: STRTAB_STE_1_S1DSS_SSID0,
};

/**
 * Stand-ins for the page-table configuration the make functions copy from io-pgtable or the CPU.
 * Only their identity matters; they take the values arm-smmu-v3-test.c uses where it sets them.
 */
export const S2_VTCR_DEFAULT = 0x4_3212;
export const S1_TCR_DEFAULT = { tsz: 4, tg: 2, irgn: 2, orgn: 1, sh: 3, ips: 1 } as const;
export const S1_MAIR_DEFAULT = 0x0004_04ff;
/** SVA takes its TCR from the CPU: VA_BITS 48, 4K pages, WBWA, inner shareable, PARange 5. */
export const SVA_TCR = { tsz: 16, tg: 0, irgn: 1, orgn: 1, sh: 3, ips: 5 } as const;
export const SVA_MAIR = 0x0004_0cff;

/** The per-master inputs of the make functions. */
export interface ArmSmmuMasterOpts {
  /** master->ats_enabled (the ats_enabled argument): EATS = EATS_TRANS. */
  readonly ats_enabled?: boolean;
  /** master->stall_enabled: no S1STALLD, CD.S set, S2S set. */
  readonly stall_enabled?: boolean;
}

/** Extra inputs of arm_smmu_make_cdtable_ste(). */
export interface ArmSmmuCdtableOpts extends ArmSmmuMasterOpts {
  /** cd_table.s1fmt; by default what arm_smmu_alloc_cd_tables() picks for s1cdmax. */
  readonly s1fmt?: number;
}

/* ------------------------------------------------------------------------------------------ */
/* Used fields                                                                                */
/* ------------------------------------------------------------------------------------------ */

/**
 * Which STE fields the SMMU reads in the configuration `ent` describes.
 *
 * Mirrors: drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c arm_smmu_get_ste_used()
 */
export function arm_smmu_get_ste_used(ent: readonly number[]): boolean[] {
  const used = new Array<boolean>(STE_NUM_FIELDS).fill(false);
  const cfg = ent[STE.CFG];
  used[STE.V] = true;
  if (!ent[STE.V]) return used;

  used[STE.CFG] = true;

  /* S1 translates */
  if (cfg & 1) {
    for (const f of [STE.S1FMT, STE.S1CTXPTR, STE.S1CDMAX]) used[f] = true;
    for (const f of [
      STE.S1DSS,
      STE.S1CIR,
      STE.S1COR,
      STE.S1CSH,
      STE.S1STALLD,
      STE.STRW,
      STE.EATS,
      STE.MEV,
    ])
      used[f] = true;
    used[STE.S2VMID] = true;
    /* See 13.5 Summary of attribute/permission configuration fields for the SHCFG behavior. */
    if (ent[STE.S1DSS] === STRTAB_STE_1_S1DSS_BYPASS) used[STE.SHCFG] = true;
  }

  /* S2 translates */
  if (cfg & 2) {
    for (const f of [STE.S2FWB, STE.EATS, STE.SHCFG, STE.MEV]) used[f] = true;
    for (const f of [STE.S2VMID, STE.VTCR, STE.S2AA64, STE.S2PTW, STE.S2S, STE.S2R]) used[f] = true;
    used[STE.S2TTB] = true;
  }

  if (cfg === STRTAB_STE_0_CFG_BYPASS) used[STE.SHCFG] = true;
  return used;
}

/**
 * STE fields that may change in either order while both configurations use them: EATS (when
 * neither side has EATS_S1CHK nor S2S) and MEV. The kernel marks only the EATS_TRANS bit safe;
 * with S1CHK excluded the other EATS bit is 0 on both sides, so the whole field is equivalent.
 *
 * Mirrors: drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c arm_smmu_get_ste_update_safe()
 */
export function arm_smmu_get_ste_update_safe(
  cur: readonly number[],
  target: readonly number[],
): boolean[] {
  const safe = new Array<boolean>(STE_NUM_FIELDS).fill(false);
  const s1chk = (cur[STE.EATS] | target[STE.EATS]) & STRTAB_STE_1_EATS_S1CHK;
  const s2s = cur[STE.S2S] | target[STE.S2S];
  if (!s1chk && !s2s) safe[STE.EATS] = true;
  safe[STE.MEV] = true;
  return safe;
}

const CD_T0_FIELDS = [CD.T0SZ, CD.TG0, CD.IRGN0, CD.ORGN0, CD.SH0, CD.TTB0];

/**
 * Which CD fields the SMMU reads: only V when invalid, everything otherwise except the TTB0
 * walk configuration when EPD0 disables it.
 *
 * Mirrors: drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c arm_smmu_get_cd_used()
 */
export function arm_smmu_get_cd_used(ent: readonly number[]): boolean[] {
  const used = new Array<boolean>(CD_NUM_FIELDS).fill(false);
  used[CD.V] = true;
  if (!ent[CD.V]) return used;
  used.fill(true);
  /* If EPD0 is set by the make function it means T0SZ/TG0/IR0/OR0/SH0/TTB0 are IGNORED */
  if (ent[CD.EPD0]) for (const f of CD_T0_FIELDS) used[f] = false;
  return used;
}

/** writer->ops->get_used for either kind. */
export function arm_smmu_get_used(kind: EntryKind, ent: readonly number[]): boolean[] {
  return kind === 'ste' ? arm_smmu_get_ste_used(ent) : arm_smmu_get_cd_used(ent);
}

/** writer->ops->get_update_safe: the STE writer has one, the CD writer none. */
export function arm_smmu_get_update_safe(
  kind: EntryKind,
  cur: readonly number[],
  target: readonly number[],
): boolean[] {
  if (kind === 'ste') return arm_smmu_get_ste_update_safe(cur, target);
  return new Array<boolean>(CD_NUM_FIELDS).fill(false);
}

/**
 * Whether `entry` differs from `target` on the fields `entry`'s own configuration uses, leaving
 * out `safe` fields. The KUnit writer asks this of every synced entry against both the initial
 * and the target entry; a hitless step must match one of them.
 *
 * Mirrors: drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3-test.c arm_smmu_entry_differs_in_used_bits()
 */
export function arm_smmu_entry_differs_in_used_bits(
  kind: EntryKind,
  entry: readonly number[],
  target: readonly number[],
  safe?: readonly boolean[],
): boolean {
  const used = arm_smmu_get_used(kind, entry);
  for (let f = 0; f < used.length; f++) {
    if (used[f] && !safe?.[f] && entry[f] !== target[f]) return true;
  }
  return false;
}

/* ------------------------------------------------------------------------------------------ */
/* The update algorithm                                                                       */
/* ------------------------------------------------------------------------------------------ */

/** Options of the writer. */
export interface ArmSmmuWriteOpts {
  /** Use writer->ops->get_update_safe (newest kernels). Default true. */
  readonly update_safe?: boolean;
}

export interface QwordDiff {
  /** Bit i set: qword i has a field the target uses that still differs after unused_update. */
  readonly used_qword_diff: number;
  /** The entry with every field the current configuration ignores set to its target value. */
  readonly unused_update: number[];
  readonly warnings: string[];
}

/**
 * Which qwords need their used fields changed to go from `entry` to `target`, and the
 * intermediate entry with all currently unused fields already at their target values.
 *
 * Mirrors: drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c arm_smmu_entry_qword_diff()
 */
export function arm_smmu_entry_qword_diff(
  kind: EntryKind,
  entry: readonly number[],
  target: readonly number[],
  opts: ArmSmmuWriteOpts = {},
): QwordDiff {
  const qword = field_qwords(kind);
  const names = field_names(kind);
  const cur_used = arm_smmu_get_used(kind, entry);
  const target_used = arm_smmu_get_used(kind, target);
  const safe =
    opts.update_safe === false
      ? new Array<boolean>(qword.length).fill(false)
      : arm_smmu_get_update_safe(kind, entry, target);
  const unused_update = new Array<number>(qword.length).fill(0);
  const warnings: string[] = [];
  let used_qword_diff = 0;

  for (let f = 0; f < qword.length; f++) {
    /* Safe is only used for fields used by both entries, otherwise it is sequenced according to
     * the unused entry. */
    const is_safe = safe[f] && target_used[f] && cur_used[f];
    /* The make functions may not set a field the used function says is unused. */
    if (target[f] !== 0 && !target_used[f]) {
      const what = `target ${kind.toUpperCase()} sets unused field ${names[f]}`;
      warnings.push(`arm_smmu_entry_qword_diff: WARN_ON_ONCE(${what})`);
    }
    /* Fields can change because they are not currently being used */
    const cur_uses = cur_used[f] && !is_safe;
    unused_update[f] = cur_uses ? entry[f] : target[f];
    /* Each bit says a used field of that qword still differs after unused_update. */
    const seen = target_used[f] ? unused_update[f] : 0;
    if (seen !== target[f]) used_qword_diff |= 1 << qword[f];
  }
  return { used_qword_diff, unused_update, warnings };
}

/**
 * Copies the fields of qwords [start, start + len) from `src` into `entry`; a change costs one
 * sync, recorded as a snapshot of the whole entry in `steps`.
 *
 * Mirrors: drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c entry_set()
 */
function entry_set(
  kind: EntryKind,
  entry: number[],
  src: readonly number[],
  start: number,
  len: number,
  steps: number[][],
): boolean {
  const qword = field_qwords(kind);
  let changed = false;
  for (let f = 0; f < qword.length; f++) {
    if (qword[f] < start || qword[f] >= start + len) continue;
    if (entry[f] !== src[f]) {
      entry[f] = src[f];
      changed = true;
    }
  }
  if (changed) steps.push(entry.slice());
  return changed;
}

/** hweight8() */
function hweight(x: number): number {
  let n = 0;
  for (let v = x; v; v &= v - 1) n++;
  return n;
}

/** ffs() - 1: index of the lowest set bit of a non-zero mask. */
function lowest_bit(x: number): number {
  let i = 0;
  while (!((x >> i) & 1)) i++;
  return i;
}

/** What arm_smmu_write_entry() did. */
export interface WriteEntryResult {
  /** The entry as it stands at each sync, in order (one snapshot per entry_set that changed). */
  readonly steps: number[][];
  /** WARN_ON_ONCE()s that fired (make/used mismatch; leftovers in the no-change case). */
  readonly warnings: string[];
  /** arm_smmu_entry_qword_diff(): 1 bit set = hitless, 2 or more = breaking (V=0 first). */
  readonly used_qword_diff: number;
}

/**
 * Rewrites `entry` into `target` in steps the SMMU can observe safely, and returns the entry
 * as it stands at each sync. `entry` is not modified; the last step (or `entry` itself when
 * there is none) equals `target`.
 *
 * - one qword's used fields differ: hitless. Set every field the current configuration ignores
 *   (except in the critical qword), sync; write the critical qword, sync; clear what the target
 *   ignores, sync.
 * - two or more: breaking. Zero qword 0 (V=0), sync; write qwords 1.., sync; write qword 0, sync.
 * - none: write what differs in unused fields (a WARN without update_safe).
 *
 * Mirrors: drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c arm_smmu_write_entry()
 */
export function arm_smmu_write_entry(
  kind: EntryKind,
  entry: readonly number[],
  target: readonly number[],
  opts: ArmSmmuWriteOpts = {},
): WriteEntryResult {
  const n = entry_num_fields(kind);
  if (entry.length !== n || target.length !== n) {
    return {
      steps: [],
      warnings: [
        `arm_smmu_write_entry: ${kind} entries have ${n} fields, ` +
          `got ${entry.length} and ${target.length}`,
      ],
      used_qword_diff: 0,
    };
  }
  const cur = entry.slice();
  const steps: number[][] = [];
  const diff = arm_smmu_entry_qword_diff(kind, cur, target, opts);
  const warnings = diff.warnings.slice();
  const { used_qword_diff, unused_update } = diff;
  const qword = field_qwords(kind);

  if (hweight(used_qword_diff) === 1) {
    /* Only one qword needs its used fields changed: hitless. */
    const critical_qword_index = lowest_bit(used_qword_diff);
    /* Skip writing unused fields in the critical qword since we'll write it next anyway. */
    for (let f = 0; f < n; f++) if (qword[f] === critical_qword_index) unused_update[f] = cur[f];
    entry_set(kind, cur, unused_update, 0, NUM_ENTRY_QWORDS, steps);
    entry_set(kind, cur, target, critical_qword_index, 1, steps);
    entry_set(kind, cur, target, 0, NUM_ENTRY_QWORDS, steps);
  } else if (used_qword_diff) {
    /* At least two qwords need their used fields changed: zero V, write qwords 1.., then 0. */
    for (let f = 0; f < n; f++) if (qword[f] === 0) unused_update[f] = 0;
    entry_set(kind, cur, unused_update, 0, 1, steps);
    entry_set(kind, cur, target, 1, NUM_ENTRY_QWORDS - 1, steps);
    entry_set(kind, cur, target, 0, 1, steps);
  } else {
    /* No used field changed, though safe or unused fields may have. */
    const changed = entry_set(kind, cur, target, 0, NUM_ENTRY_QWORDS, steps);
    if (changed && opts.update_safe === false) {
      warnings.push('arm_smmu_write_entry: WARN_ON_ONCE(entry_set() changed unused fields)');
    }
  }
  return { steps, warnings, used_qword_diff };
}

/* ------------------------------------------------------------------------------------------ */
/* Make functions                                                                             */
/* ------------------------------------------------------------------------------------------ */

function empty(kind: EntryKind): number[] {
  return new Array<number>(entry_num_fields(kind)).fill(0);
}

/**
 * An STE that aborts every transaction.
 *
 * Mirrors: drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c arm_smmu_make_abort_ste()
 */
export function arm_smmu_make_abort_ste(): number[] {
  const t = empty('ste');
  t[STE.V] = 1;
  t[STE.CFG] = STRTAB_STE_0_CFG_ABORT;
  return t;
}

/**
 * An STE that lets every transaction through untranslated (SHCFG incoming: ATTR_TYPES_OVR).
 *
 * Mirrors: drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c arm_smmu_make_bypass_ste()
 */
export function arm_smmu_make_bypass_ste(): number[] {
  const t = empty('ste');
  t[STE.V] = 1;
  t[STE.CFG] = STRTAB_STE_0_CFG_BYPASS;
  t[STE.SHCFG] = STRTAB_STE_1_SHCFG_INCOMING;
  return t;
}

/**
 * cd_table.s1fmt as arm_smmu_alloc_cd_tables() picks it: linear up to CTXDESC_L2_ENTRIES CDs,
 * two-level 64K leaves beyond.
 */
export function arm_smmu_cd_table_s1fmt(s1cdmax: number): number {
  return 2 ** s1cdmax <= CTXDESC_L2_ENTRIES ? STRTAB_STE_0_S1FMT_LINEAR : STRTAB_STE_0_S1FMT_64K_L2;
}

/**
 * An STE pointing at the master's CD table; `s1dss` says what non-PASID traffic does.
 *
 * Mirrors: drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c arm_smmu_make_cdtable_ste()
 */
export function arm_smmu_make_cdtable_ste(
  cdtab_ptr: number,
  s1cdmax: number,
  s1dss: S1dss,
  opts: ArmSmmuCdtableOpts = {},
): number[] {
  const t = empty('ste');
  const dss = S1DSS_VALUE[s1dss];
  t[STE.V] = 1;
  t[STE.CFG] = STRTAB_STE_0_CFG_S1_TRANS;
  t[STE.S1FMT] = opts.s1fmt ?? arm_smmu_cd_table_s1fmt(s1cdmax);
  t[STE.S1CTXPTR] = cdtab_ptr;
  t[STE.S1CDMAX] = s1cdmax;

  t[STE.S1DSS] = dss;
  t[STE.S1CIR] = STRTAB_STE_1_S1C_CACHE_WBRA;
  t[STE.S1COR] = STRTAB_STE_1_S1C_CACHE_WBRA;
  t[STE.S1CSH] = ARM_SMMU_SH_ISH;
  /* ARM_SMMU_FEAT_STALLS && !master->stall_enabled */
  t[STE.S1STALLD] = opts.stall_enabled ? 0 : 1;
  t[STE.EATS] = opts.ats_enabled ? STRTAB_STE_1_EATS_TRANS : 0;
  /* ARM_SMMU_FEAT_ATTR_TYPES_OVR */
  if (dss === STRTAB_STE_1_S1DSS_BYPASS) t[STE.SHCFG] = STRTAB_STE_1_SHCFG_INCOMING;
  /* No E2H: NS-EL1, and VMID 0 is reserved for stage-2 bypass EL1 STEs */
  t[STE.STRW] = STRTAB_STE_1_STRW_NSEL1;
  t[STE.S2VMID] = 0;
  return t;
}

/**
 * An STE translating through a stage-2 domain (VMID, VTTBR).
 *
 * Mirrors: drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c arm_smmu_make_s2_domain_ste()
 */
export function arm_smmu_make_s2_domain_ste(
  vmid: number,
  s2ttb: number,
  opts: ArmSmmuMasterOpts = {},
): number[] {
  const t = empty('ste');
  t[STE.V] = 1;
  t[STE.CFG] = STRTAB_STE_0_CFG_S2_TRANS;
  t[STE.EATS] = opts.ats_enabled ? STRTAB_STE_1_EATS_TRANS : 0;
  /* ARM_SMMU_FEAT_ATTR_TYPES_OVR */
  t[STE.SHCFG] = STRTAB_STE_1_SHCFG_INCOMING;
  t[STE.S2VMID] = vmid;
  t[STE.VTCR] = S2_VTCR_DEFAULT;
  t[STE.S2AA64] = 1;
  t[STE.S2PTW] = 1;
  t[STE.S2S] = opts.stall_enabled ? 1 : 0;
  t[STE.S2R] = 1;
  t[STE.S2TTB] = s2ttb;
  return t;
}

/**
 * A CD for a stage-1 paging domain (its ASID and TTB0).
 *
 * Mirrors: drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c arm_smmu_make_s1_cd()
 */
export function arm_smmu_make_s1_cd(
  asid: number,
  ttb0: number,
  opts: ArmSmmuMasterOpts = {},
): number[] {
  const t = empty('cd');
  t[CD.T0SZ] = S1_TCR_DEFAULT.tsz;
  t[CD.TG0] = S1_TCR_DEFAULT.tg;
  t[CD.IRGN0] = S1_TCR_DEFAULT.irgn;
  t[CD.ORGN0] = S1_TCR_DEFAULT.orgn;
  t[CD.SH0] = S1_TCR_DEFAULT.sh;
  t[CD.EPD1] = 1;
  t[CD.V] = 1;
  t[CD.IPS] = S1_TCR_DEFAULT.ips;
  t[CD.AA64] = 1;
  t[CD.S] = opts.stall_enabled ? 1 : 0;
  t[CD.R] = 1;
  t[CD.A] = 1;
  t[CD.ASET] = 1;
  t[CD.ASID] = asid;
  t[CD.TTB0] = ttb0;
  t[CD.MAIR] = S1_MAIR_DEFAULT;
  return t;
}

/**
 * A CD for an SVA domain: the CPU's TCR and MAIR, the mm's pgd as TTB0. `ttb0 === null` is the
 * kernel's `mm == NULL` (arm_smmu_mm_release): EPD0 set, so every access faults, and (no
 * STALL_FORCE) S and R cleared. The two forms are hitless to each other since EPD0 makes the SMMU
 * ignore TTB0.
 *
 * Mirrors: drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3-sva.c arm_smmu_make_sva_cd()
 */
export function arm_smmu_make_sva_cd(
  asid: number,
  ttb0: number | null,
  opts: ArmSmmuMasterOpts = {},
): number[] {
  const t = empty('cd');
  t[CD.EPD1] = 1;
  t[CD.V] = 1;
  t[CD.IPS] = SVA_TCR.ips;
  t[CD.AA64] = 1;
  t[CD.S] = opts.stall_enabled ? 1 : 0;
  t[CD.R] = 1;
  t[CD.A] = 1;
  t[CD.ASET] = 1;
  t[CD.ASID] = asid;
  if (ttb0 !== null) {
    t[CD.T0SZ] = SVA_TCR.tsz;
    t[CD.TG0] = SVA_TCR.tg;
    t[CD.IRGN0] = SVA_TCR.irgn;
    t[CD.ORGN0] = SVA_TCR.orgn;
    t[CD.SH0] = SVA_TCR.sh;
    t[CD.TTB0] = ttb0;
  } else {
    t[CD.EPD0] = 1;
    /* Disable stall and abort at once: no ARM_SMMU_FEAT_STALL_FORCE */
    t[CD.S] = 0;
    t[CD.R] = 0;
  }
  t[CD.MAIR] = SVA_MAIR;
  return t;
}

/**
 * The all-zero CD arm_smmu_clear_cd() writes.
 *
 * Mirrors: drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c arm_smmu_clear_cd()
 */
export function arm_smmu_clear_cd(): number[] {
  return empty('cd');
}

/* ------------------------------------------------------------------------------------------ */
/* What a device access sees                                                                  */
/* ------------------------------------------------------------------------------------------ */

export interface S2Route {
  readonly vmid: number;
  readonly s2ttb: number;
}

/** Where an STE sends one access. */
export type SteRoute =
  | { readonly kind: 'abort' }
  | { readonly kind: 'bypass' }
  | ({ readonly kind: 's2' } & S2Route)
  /** Look up CD `ssid` in the table at `cdtab`; `s2` is the nested stage 2, if any. */
  | {
      readonly kind: 'cd';
      readonly cdtab: number;
      readonly s1fmt: number;
      readonly ssid: number;
      readonly s2: S2Route | null;
    };

/**
 * What an access with SubstreamID `pasid` (null: no PASID) meets at STE `ste`.
 *
 * - V=0 or a reserved CFG: abort (C_BAD_STE).
 * - PASID traffic needs stage 1 and a SubstreamID below 2^S1CDMax, else abort
 *   (C_BAD_SUBSTREAMID); with S1DSS=SSID0 a PASID of 0 is also refused.
 * - Non-PASID traffic through a CD table follows S1DSS: terminate aborts, bypass skips stage 1
 *   (to stage 2 if nested), SSID0 looks up CD 0.
 */
export function ste_route(ste: readonly number[], pasid: number | null): SteRoute {
  const abort: SteRoute = { kind: 'abort' };
  if (!ste[STE.V]) return abort;
  const cfg = ste[STE.CFG];
  const s2: S2Route | null = cfg & 2 ? { vmid: ste[STE.S2VMID], s2ttb: ste[STE.S2TTB] } : null;
  switch (cfg) {
    case STRTAB_STE_0_CFG_ABORT:
      return abort;
    case STRTAB_STE_0_CFG_BYPASS:
      return pasid === null ? { kind: 'bypass' } : abort;
    case STRTAB_STE_0_CFG_S2_TRANS:
      return pasid === null && s2 ? { kind: 's2', ...s2 } : abort;
    case STRTAB_STE_0_CFG_S1_TRANS:
    case STRTAB_STE_0_CFG_NESTED:
      break;
    default:
      return abort;
  }
  const dss = ste[STE.S1DSS];
  const cd = (ssid: number): SteRoute => ({
    kind: 'cd',
    cdtab: ste[STE.S1CTXPTR],
    s1fmt: ste[STE.S1FMT],
    ssid,
    s2,
  });
  if (pasid === null) {
    if (dss === STRTAB_STE_1_S1DSS_SSID0) return cd(0);
    if (dss === STRTAB_STE_1_S1DSS_BYPASS) return s2 ? { kind: 's2', ...s2 } : { kind: 'bypass' };
    return abort;
  }
  const s1cdmax = ste[STE.S1CDMAX];
  if (s1cdmax === 0 || pasid < 0 || pasid >= 2 ** s1cdmax) return abort;
  if (pasid === 0 && dss === STRTAB_STE_1_S1DSS_SSID0) return abort;
  return cd(pasid);
}

/** What a CD does with an access. */
export type CdRoute =
  | { readonly kind: 'fault'; readonly reason: 'C_BAD_CD' | 'EPD0' }
  | { readonly kind: 'translate'; readonly asid: number; readonly ttb0: number };

/** What an access meets at CD `cd`: V=0 faults (C_BAD_CD), EPD0 faults every TTB0 walk. */
export function cd_route(cd: readonly number[]): CdRoute {
  if (!cd[CD.V]) return { kind: 'fault', reason: 'C_BAD_CD' };
  if (cd[CD.EPD0]) return { kind: 'fault', reason: 'EPD0' };
  return { kind: 'translate', asid: cd[CD.ASID], ttb0: cd[CD.TTB0] };
}
