/**
 * The ARM SMMUv3 entry writer against the kernel's KUnit suite
 * (drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3-test.c, newest generation with update_safe and the
 * nested cases), then against every ordered pair of entries the driver can build.
 *
 * KUnit cases not reproduced:
 * - arm_smmu_v3_invs_test: exercises the invalidation array (arm_smmu_invs_merge/unref/purge),
 *   not STE/CD writes; nothing here models it.
 * Every other KUnit case (22 STE/CD write cases + the 2 nested ones) is reproduced below with the
 * kernel's hitless verdict and NUM_EXPECTED_SYNCS.
 */
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  type ArmSmmuMasterOpts,
  arm_smmu_clear_cd,
  arm_smmu_entry_differs_in_used_bits,
  arm_smmu_entry_qword_diff,
  arm_smmu_get_cd_used,
  arm_smmu_get_ste_used,
  arm_smmu_get_update_safe,
  arm_smmu_make_abort_ste,
  arm_smmu_make_bypass_ste,
  arm_smmu_make_cdtable_ste,
  arm_smmu_make_s1_cd,
  arm_smmu_make_s2_domain_ste,
  arm_smmu_make_sva_cd,
  arm_smmu_write_entry,
  CD,
  CD_FIELD_NAMES,
  CD_FIELD_QWORD,
  CD_NUM_FIELDS,
  cd_route,
  type EntryKind,
  NUM_ENTRY_QWORDS,
  type S1dss,
  STE,
  STE_FIELD_NAMES,
  STE_FIELD_QWORD,
  STE_NUM_FIELDS,
  STRTAB_STE_0_CFG_NESTED,
  STRTAB_STE_0_S1FMT_64K_L2,
  ste_route,
} from '../../../src/drivers/arm-smmu-v3/entry.js';

/* ------------------------------------------------------------------------------------------ */
/* The KUnit test writer                                                                      */
/* ------------------------------------------------------------------------------------------ */

function qword0_is_zero(kind: EntryKind, entry: readonly number[]): boolean {
  const qword = kind === 'ste' ? STE_FIELD_QWORD : CD_FIELD_QWORD;
  return entry.every((v, f) => qword[f] !== 0 || v === 0);
}

interface Recorded {
  readonly num_syncs: number;
  readonly invalid_entry_written: boolean;
  /** Syncs at which the entry matched neither the initial nor the target entry. */
  readonly bad_syncs: number[];
  readonly final: readonly number[];
  readonly warnings: readonly string[];
}

/**
 * arm_smmu_test_writer_record_syncs() over every step of arm_smmu_write_entry(): count the sync;
 * an all-zero qword 0 marks the transition non-hitless; otherwise the entry must equal the initial
 * or the target entry on the fields its own configuration uses (less update_safe fields).
 */
function record_syncs(
  kind: EntryKind,
  cur: readonly number[],
  target: readonly number[],
  update_safe = true,
): Recorded {
  const res = arm_smmu_write_entry(kind, cur, target, { update_safe });
  let invalid_entry_written = false;
  const bad_syncs: number[] = [];
  res.steps.forEach((entry, i) => {
    if (qword0_is_zero(kind, entry)) {
      invalid_entry_written = true;
      return;
    }
    const safe_init = update_safe ? arm_smmu_get_update_safe(kind, entry, cur) : undefined;
    const safe_target = update_safe ? arm_smmu_get_update_safe(kind, entry, target) : undefined;
    if (
      arm_smmu_entry_differs_in_used_bits(kind, entry, cur, safe_init) &&
      arm_smmu_entry_differs_in_used_bits(kind, entry, target, safe_target)
    )
      bad_syncs.push(i + 1);
  });
  return {
    num_syncs: res.steps.length,
    invalid_entry_written,
    bad_syncs,
    final: res.steps.length ? res.steps[res.steps.length - 1] : cur,
    warnings: res.warnings,
  };
}

/** arm_smmu_v3_test_{ste,cd}_expect_transition() */
function expect_transition(
  kind: EntryKind,
  cur: readonly number[],
  target: readonly number[],
  num_syncs_expected: number,
  hitless: boolean,
): void {
  const r = record_syncs(kind, cur, target);
  expect(r.bad_syncs).toEqual([]);
  expect(r.invalid_entry_written).toBe(!hitless);
  expect(r.num_syncs).toBe(num_syncs_expected);
  expect(r.final).toEqual(target);
  expect(r.warnings).toEqual([]);
}

const ste_hitless = (c: number[], t: number[], n: number) =>
  expect_transition('ste', c, t, n, true);
const ste_non_hitless = (c: number[], t: number[], n: number) =>
  expect_transition('ste', c, t, n, false);
const cd_hitless = (c: number[], t: number[], n: number) => expect_transition('cd', c, t, n, true);
const cd_non_hitless = (c: number[], t: number[], n: number) =>
  expect_transition('cd', c, t, n, false);

/* The KUnit fixtures. 64-bit addresses the test uses are replaced by stand-ins a JS number holds;
 * only their identity matters. */
const ATS = 1;
const STALL = 2;
const NESTED = 4;
const fake_cdtab_dma_addr = 0xf0f0f0f0f0f0;
const other_cdtab_dma_addr = 0x4b4b4b4b4b;
const fake_vttbr = 0xdeadbeef000;
const fake_s1_ttbr = 0xdeadbeef000;
const sva_pgd = 0xdaedbee000;

const bypass_ste = arm_smmu_make_bypass_ste();
const abort_ste = arm_smmu_make_abort_ste();

function feat_opts(feat: number): ArmSmmuMasterOpts {
  return { ats_enabled: (feat & ATS) !== 0, stall_enabled: (feat & STALL) !== 0 };
}

/** arm_smmu_test_make_s2_ste(): the test's smmu_domain is zeroed, so VMID 0. */
function test_make_s2_ste(feat: number): number[] {
  return arm_smmu_make_s2_domain_ste(0, fake_vttbr, feat_opts(feat));
}

/** arm_smmu_test_make_cdtable_ste(): s1cdmax 0xFF, 64K_L2; NESTED grafts an S2 STE's qwords 2.. */
function test_make_cdtable_ste(s1dss: S1dss, dma_addr: number, feat: number): number[] {
  const ste = arm_smmu_make_cdtable_ste(dma_addr, 0xff, s1dss, {
    ...feat_opts(feat),
    s1fmt: STRTAB_STE_0_S1FMT_64K_L2,
  });
  if (feat & NESTED) {
    const s2ste = test_make_s2_ste(feat & ~NESTED);
    ste[STE.CFG] = STRTAB_STE_0_CFG_NESTED;
    ste[STE.MEV] = 1;
    for (let f = 0; f < STE_NUM_FIELDS; f++) if (STE_FIELD_QWORD[f] >= 2) ste[f] = s2ste[f];
  }
  return ste;
}

const test_make_s1_cd = (asid: number) => arm_smmu_make_s1_cd(asid, fake_s1_ttbr);
const test_make_sva_cd = (asid: number) => arm_smmu_make_sva_cd(asid, sva_pgd);
const test_make_sva_release_cd = (asid: number) => arm_smmu_make_sva_cd(asid, null);

describe('arm-smmu-v3-kunit-test', () => {
  it('arm_smmu_v3_write_ste_test_bypass_to_abort', () => {
    ste_hitless(bypass_ste, abort_ste, 2);
  });

  it('arm_smmu_v3_write_ste_test_abort_to_bypass', () => {
    ste_hitless(abort_ste, bypass_ste, 2);
  });

  it('arm_smmu_v3_write_ste_test_cdtable_to_abort', () => {
    const ste = test_make_cdtable_ste('ssid0', fake_cdtab_dma_addr, ATS);
    ste_hitless(ste, abort_ste, 2);
  });

  it('arm_smmu_v3_write_ste_test_abort_to_cdtable', () => {
    const ste = test_make_cdtable_ste('ssid0', fake_cdtab_dma_addr, ATS);
    ste_hitless(abort_ste, ste, 2);
  });

  it('arm_smmu_v3_write_ste_test_cdtable_to_bypass', () => {
    const ste = test_make_cdtable_ste('ssid0', fake_cdtab_dma_addr, ATS);
    ste_hitless(ste, bypass_ste, 3);
  });

  it('arm_smmu_v3_write_ste_test_bypass_to_cdtable', () => {
    const ste = test_make_cdtable_ste('ssid0', fake_cdtab_dma_addr, ATS);
    ste_hitless(bypass_ste, ste, 3);
  });

  it('arm_smmu_v3_write_ste_test_cdtable_s1dss_change', () => {
    const ste = test_make_cdtable_ste('ssid0', fake_cdtab_dma_addr, ATS);
    const s1dss_bypass = test_make_cdtable_ste('bypass', fake_cdtab_dma_addr, ATS);
    ste_hitless(ste, s1dss_bypass, 1);
    ste_hitless(s1dss_bypass, ste, 1);
  });

  it('arm_smmu_v3_write_ste_test_s1dssbypass_to_stebypass', () => {
    const s1dss_bypass = test_make_cdtable_ste('bypass', fake_cdtab_dma_addr, ATS);
    ste_hitless(s1dss_bypass, bypass_ste, 2);
  });

  it('arm_smmu_v3_write_ste_test_stebypass_to_s1dssbypass', () => {
    const s1dss_bypass = test_make_cdtable_ste('bypass', fake_cdtab_dma_addr, ATS);
    ste_hitless(bypass_ste, s1dss_bypass, 2);
  });

  it('arm_smmu_v3_write_ste_test_s2_to_abort', () => {
    ste_hitless(test_make_s2_ste(ATS), abort_ste, 2);
  });

  it('arm_smmu_v3_write_ste_test_abort_to_s2', () => {
    ste_hitless(abort_ste, test_make_s2_ste(ATS), 2);
  });

  it('arm_smmu_v3_write_ste_test_s2_to_bypass', () => {
    ste_hitless(test_make_s2_ste(ATS), bypass_ste, 2);
  });

  it('arm_smmu_v3_write_ste_test_bypass_to_s2', () => {
    ste_hitless(bypass_ste, test_make_s2_ste(ATS), 2);
  });

  it('arm_smmu_v3_write_ste_test_s1_to_s2', () => {
    const s1_ste = test_make_cdtable_ste('ssid0', fake_cdtab_dma_addr, ATS);
    ste_hitless(s1_ste, test_make_s2_ste(ATS), 3);
  });

  it('arm_smmu_v3_write_ste_test_s2_to_s1', () => {
    const s1_ste = test_make_cdtable_ste('ssid0', fake_cdtab_dma_addr, ATS);
    ste_hitless(test_make_s2_ste(ATS), s1_ste, 3);
  });

  it('arm_smmu_v3_write_ste_test_non_hitless', () => {
    /* Changing the CD table pointer and S1DSS in one update forces a breaking update. */
    const ste = test_make_cdtable_ste('ssid0', fake_cdtab_dma_addr, ATS);
    const ste_2 = test_make_cdtable_ste('bypass', other_cdtab_dma_addr, ATS);
    ste_non_hitless(ste, ste_2, 3);
  });

  it('arm_smmu_v3_write_cd_test_s1_clear', () => {
    const cd = arm_smmu_clear_cd();
    const cd_2 = test_make_s1_cd(1997);
    cd_non_hitless(cd, cd_2, 2);
    cd_non_hitless(cd_2, cd, 2);
  });

  it('arm_smmu_v3_write_cd_test_s1_change_asid', () => {
    const cd = test_make_s1_cd(778);
    const cd_2 = test_make_s1_cd(1997);
    cd_hitless(cd, cd_2, 1);
    cd_hitless(cd_2, cd, 1);
  });

  it('arm_smmu_v3_write_ste_test_s1_to_s2_stall', () => {
    const s1_ste = test_make_cdtable_ste('ssid0', fake_cdtab_dma_addr, STALL);
    ste_hitless(s1_ste, test_make_s2_ste(STALL), 3);
  });

  it('arm_smmu_v3_write_ste_test_s2_to_s1_stall', () => {
    const s1_ste = test_make_cdtable_ste('ssid0', fake_cdtab_dma_addr, STALL);
    ste_hitless(test_make_s2_ste(STALL), s1_ste, 3);
  });

  it('arm_smmu_v3_write_ste_test_nested_s1dssbypass_to_s1bypass', () => {
    const s1_ste = test_make_cdtable_ste('bypass', fake_cdtab_dma_addr, ATS | NESTED);
    /* Expect an additional sync to unset ignored bits: EATS and MEV */
    ste_hitless(s1_ste, test_make_s2_ste(0), 3);
  });

  it('arm_smmu_v3_write_ste_test_nested_s1bypass_to_s1dssbypass', () => {
    const s1_ste = test_make_cdtable_ste('bypass', fake_cdtab_dma_addr, ATS | NESTED);
    ste_hitless(test_make_s2_ste(0), s1_ste, 2);
  });

  it('arm_smmu_v3_write_cd_test_sva_clear', () => {
    const cd = arm_smmu_clear_cd();
    const cd_2 = test_make_sva_cd(1997);
    cd_non_hitless(cd, cd_2, 2);
    cd_non_hitless(cd_2, cd, 2);
  });

  it('arm_smmu_v3_write_cd_test_sva_release', () => {
    const cd = test_make_sva_cd(1997);
    const cd_2 = test_make_sva_release_cd(1997);
    cd_hitless(cd, cd_2, 2);
    cd_hitless(cd_2, cd, 2);
  });
});

/* ------------------------------------------------------------------------------------------ */
/* Layout, used fields, warnings, revisions                                                   */
/* ------------------------------------------------------------------------------------------ */

describe('entry layout and used fields', () => {
  it('indexes every field once, each in a qword below NUM_ENTRY_QWORDS', () => {
    STE_FIELD_NAMES.forEach((name, i) => {
      expect(STE[name]).toBe(i);
    });
    CD_FIELD_NAMES.forEach((name, i) => {
      expect(CD[name]).toBe(i);
    });
    for (const q of [...STE_FIELD_QWORD, ...CD_FIELD_QWORD]) {
      expect(q).toBeGreaterThanOrEqual(0);
      expect(q).toBeLessThan(NUM_ENTRY_QWORDS);
    }
    expect(STE_FIELD_QWORD.length).toBe(STE_NUM_FIELDS);
    expect(CD_FIELD_QWORD.length).toBe(CD_NUM_FIELDS);
  });

  it('uses the fields arm_smmu_get_ste_used() lists for each configuration', () => {
    const used = (ste: number[]) =>
      STE_FIELD_NAMES.filter((_, f) => arm_smmu_get_ste_used(ste)[f]).sort();
    expect(used(abort_ste)).toEqual(['CFG', 'V']);
    expect(used(bypass_ste)).toEqual(['CFG', 'SHCFG', 'V']);
    const s1 = ['CFG', 'EATS', 'MEV', 'S1CDMAX', 'S1CIR', 'S1COR', 'S1CSH', 'S1CTXPTR', 'S1DSS'];
    const s1_rest = ['S1FMT', 'S1STALLD', 'S2VMID', 'STRW', 'V'];
    expect(used(arm_smmu_make_cdtable_ste(1, 5, 'ssid0'))).toEqual([...s1, ...s1_rest].sort());
    expect(used(arm_smmu_make_cdtable_ste(1, 5, 'bypass'))).toEqual(
      [...s1, ...s1_rest, 'SHCFG'].sort(),
    );
    expect(used(arm_smmu_make_s2_domain_ste(1, 2))).toEqual(
      ['CFG', 'EATS', 'MEV', 'S2AA64', 'S2FWB', 'S2PTW', 'S2R', 'S2S', 'S2TTB', 'S2VMID'].concat([
        'SHCFG',
        'V',
        'VTCR',
      ]),
    );
    const invalid = arm_smmu_make_bypass_ste();
    invalid[STE.V] = 0;
    expect(used(invalid)).toEqual(['V']);
  });

  it('ignores TTB0 walk fields of a CD with EPD0, and all but V of an invalid CD', () => {
    const unused = (cd: number[]) =>
      CD_FIELD_NAMES.filter((_, f) => !arm_smmu_get_cd_used(cd)[f]).sort();
    expect(unused(arm_smmu_make_s1_cd(1, 2))).toEqual([]);
    expect(unused(arm_smmu_make_sva_cd(1, null))).toEqual(
      ['IRGN0', 'ORGN0', 'SH0', 'T0SZ', 'TG0', 'TTB0'].sort(),
    );
    expect(unused(arm_smmu_clear_cd())).toEqual(CD_FIELD_NAMES.filter((n) => n !== 'V').sort());
  });

  it('keeps the WARN_ON_ONCE of a target setting a field its own configuration ignores', () => {
    const bad = arm_smmu_make_abort_ste();
    bad[STE.SHCFG] = 1;
    const res = arm_smmu_write_entry('ste', bypass_ste, bad);
    expect(res.warnings).toEqual([
      'arm_smmu_entry_qword_diff: WARN_ON_ONCE(target STE sets unused field SHCFG)',
    ]);
  });

  it('warns when the no-change path writes leftovers (writer without update_safe)', () => {
    const dirty = arm_smmu_make_bypass_ste();
    dirty[STE.S1CTXPTR] = 0x1000;
    const old = arm_smmu_write_entry('ste', dirty, bypass_ste, { update_safe: false });
    expect(old.used_qword_diff).toBe(0);
    expect(old.steps).toEqual([bypass_ste]);
    expect(old.warnings).toEqual([
      'arm_smmu_write_entry: WARN_ON_ONCE(entry_set() changed unused fields)',
    ]);
    expect(arm_smmu_write_entry('ste', dirty, bypass_ste).warnings).toEqual([]);
  });

  it('returns a failure for entries of the wrong size', () => {
    const res = arm_smmu_write_entry('cd', [1, 2], arm_smmu_clear_cd());
    expect(res.steps).toEqual([]);
    expect(res.warnings).toHaveLength(1);
  });

  it('without update_safe, an EATS change across S1<->S2 and the nested cases break', () => {
    /* VMID 0, as in the KUnit S2 STE, so that only CFG and EATS differ in used fields. */
    const s1 = arm_smmu_make_cdtable_ste(0x1000, 5, 'ssid0', { ats_enabled: true });
    const s2 = arm_smmu_make_s2_domain_ste(0, 0xa000);
    expect(record_syncs('ste', s1, s2, true)).toMatchObject({
      num_syncs: 3,
      invalid_entry_written: false,
      bad_syncs: [],
    });
    expect(record_syncs('ste', s1, s2, false)).toMatchObject({
      num_syncs: 3,
      invalid_entry_written: true,
      bad_syncs: [],
    });
    const nested = test_make_cdtable_ste('bypass', fake_cdtab_dma_addr, ATS | NESTED);
    expect(record_syncs('ste', nested, test_make_s2_ste(0), false)).toMatchObject({
      invalid_entry_written: true,
    });
  });

  it('breaks S1 <-> S2 for a real (non-zero) VMID: S1 configurations use S2VMID', () => {
    /* The KUnit S2 STE has VMID 0; arm_smmu_domain_finalise_s2() allocates VMIDs from 1, and a
     * CD-table STE writes S2VMID 0, which arm_smmu_get_ste_used() counts as used by S1. So for a
     * real S2 domain both qword 0 (CFG) and qword 2 (S2VMID) change: a breaking update. */
    const s1 = arm_smmu_make_cdtable_ste(0x1000, 5, 'ssid0', { ats_enabled: true });
    const s2 = arm_smmu_make_s2_domain_ste(1, 0xa000, { ats_enabled: true });
    for (const [a, b] of [
      [s1, s2],
      [s2, s1],
    ]) {
      expect(arm_smmu_write_entry('ste', a, b).used_qword_diff).toBe(0b101);
      expect(record_syncs('ste', a, b)).toMatchObject({
        num_syncs: 3,
        invalid_entry_written: true,
        bad_syncs: [],
      });
    }
  });

  it('does not modify the entry it is given', () => {
    const cur = test_make_s1_cd(1);
    const copy = cur.slice();
    arm_smmu_write_entry('cd', cur, arm_smmu_clear_cd());
    expect(cur).toEqual(copy);
  });
});

describe('routes', () => {
  it('sends non-PASID and PASID traffic where the STE says', () => {
    expect(ste_route(abort_ste, null)).toEqual({ kind: 'abort' });
    expect(ste_route(bypass_ste, null)).toEqual({ kind: 'bypass' });
    expect(ste_route(bypass_ste, 1)).toEqual({ kind: 'abort' });
    expect(ste_route(arm_smmu_make_s2_domain_ste(3, 0xa000), null)).toEqual({
      kind: 's2',
      vmid: 3,
      s2ttb: 0xa000,
    });
    const ssid0 = arm_smmu_make_cdtable_ste(0x1000, 5, 'ssid0');
    expect(ste_route(ssid0, null)).toEqual({
      kind: 'cd',
      cdtab: 0x1000,
      s1fmt: 0,
      ssid: 0,
      s2: null,
    });
    expect(ste_route(ssid0, 7)).toMatchObject({ kind: 'cd', ssid: 7 });
    expect(ste_route(ssid0, 0)).toEqual({ kind: 'abort' });
    expect(ste_route(ssid0, 32)).toEqual({ kind: 'abort' });
    expect(ste_route(arm_smmu_make_cdtable_ste(0x1000, 5, 'terminate'), null)).toEqual({
      kind: 'abort',
    });
    expect(ste_route(arm_smmu_make_cdtable_ste(0x1000, 5, 'bypass'), null)).toEqual({
      kind: 'bypass',
    });
    expect(ste_route(arm_smmu_make_cdtable_ste(0x1000, 0, 'bypass'), 1)).toEqual({
      kind: 'abort',
    });
    const nested = test_make_cdtable_ste('bypass', 0x1000, NESTED);
    expect(ste_route(nested, null)).toEqual({ kind: 's2', vmid: 0, s2ttb: fake_vttbr });
    expect(ste_route(nested, 5)).toMatchObject({ kind: 'cd', s2: { vmid: 0 } });
  });

  it('translates through a valid CD and faults on an invalid or EPD0 one', () => {
    expect(cd_route(arm_smmu_clear_cd())).toEqual({ kind: 'fault', reason: 'C_BAD_CD' });
    expect(cd_route(arm_smmu_make_sva_cd(4, null))).toEqual({ kind: 'fault', reason: 'EPD0' });
    expect(cd_route(arm_smmu_make_s1_cd(4, 0x9000))).toEqual({
      kind: 'translate',
      asid: 4,
      ttb0: 0x9000,
    });
  });
});

/* ------------------------------------------------------------------------------------------ */
/* Every ordered pair of driver-built entries                                                 */
/* ------------------------------------------------------------------------------------------ */

function hweight(x: number): number {
  let n = 0;
  for (let v = x; v; v &= v - 1) n++;
  return n;
}

/** Every STE the driver builds for one master (stall fixed per device; ATS per attach). */
function all_stes(stall_enabled: boolean): number[][] {
  const out = [arm_smmu_make_abort_ste(), arm_smmu_make_bypass_ste()];
  for (const ats_enabled of [false, true]) {
    const opts = { ats_enabled, stall_enabled };
    for (const ptr of [0x1000, 0x2000])
      for (const s1cdmax of [0, 5, 16])
        for (const s1dss of ['terminate', 'bypass', 'ssid0'] as const)
          out.push(arm_smmu_make_cdtable_ste(ptr, s1cdmax, s1dss, opts));
    for (const vmid of [1, 2])
      for (const ttb of [0xa000, 0xb000]) out.push(arm_smmu_make_s2_domain_ste(vmid, ttb, opts));
  }
  return out;
}

/** Every CD the driver builds for one master. */
function all_cds(stall_enabled: boolean): number[][] {
  const opts = { stall_enabled };
  const out = [arm_smmu_clear_cd()];
  for (const asid of [1, 2])
    for (const ttb of [0x10000, 0x20000]) out.push(arm_smmu_make_s1_cd(asid, ttb, opts));
  for (const ttb of [0x30000, 0x40000, null]) out.push(arm_smmu_make_sva_cd(3, ttb, opts));
  return out;
}

const PASIDS: readonly (number | null)[] = [null, 0, 1, 31, 40, 70000];

function routes(kind: EntryKind, entry: readonly number[]): unknown[] {
  return kind === 'ste' ? PASIDS.map((p) => ste_route(entry, p)) : [cd_route(entry)];
}

function is_valid(kind: EntryKind, entry: readonly number[]): boolean {
  return entry[kind === 'ste' ? STE.V : CD.V] !== 0;
}

/** Checks one transition; returns what went wrong, or nothing. */
function check_pair(
  kind: EntryKind,
  old: readonly number[],
  next: readonly number[],
  update_safe: boolean,
): string[] {
  const problems: string[] = [];
  const res = arm_smmu_write_entry(kind, old, next, { update_safe });
  const diff = arm_smmu_entry_qword_diff(kind, old, next, { update_safe });
  const syncs = res.steps.length;
  const final = syncs ? res.steps[syncs - 1] : old;
  const same = isDeepStrictEqual(old, next);
  if (res.warnings.length) problems.push(`warnings ${res.warnings.join('; ')}`);
  if (res.used_qword_diff !== diff.used_qword_diff) problems.push('qword_diff disagrees');
  if (!isDeepStrictEqual(final, next)) problems.push('final entry is not the target');
  if (same ? syncs !== 0 : syncs < 1 || syncs > 3) problems.push(`${syncs} syncs`);

  const old_routes = routes(kind, old);
  const new_routes = routes(kind, next);
  let v0_seen = false;
  res.steps.forEach((step, i) => {
    if (!is_valid(kind, step)) {
      v0_seen = true;
      return;
    }
    const safe_old = update_safe ? arm_smmu_get_update_safe(kind, step, old) : undefined;
    const safe_new = update_safe ? arm_smmu_get_update_safe(kind, step, next) : undefined;
    if (
      arm_smmu_entry_differs_in_used_bits(kind, step, old, safe_old) &&
      arm_smmu_entry_differs_in_used_bits(kind, step, next, safe_new)
    )
      problems.push(`sync ${i + 1} matches neither old nor new on its used fields`);
    routes(kind, step).forEach((r, j) => {
      if (!isDeepStrictEqual(r, old_routes[j]) && !isDeepStrictEqual(r, new_routes[j]))
        problems.push(`sync ${i + 1} routes access #${j} to ${JSON.stringify(r)}`);
    });
  });

  const breaking = hweight(diff.used_qword_diff) >= 2;
  if (is_valid(kind, old) && is_valid(kind, next)) {
    if (v0_seen !== breaking)
      problems.push(`V=0 seen ${v0_seen}, qword_diff ${diff.used_qword_diff}`);
  } else if (!is_valid(kind, next)) {
    if (!same && !v0_seen) problems.push('an invalid target was never reached');
  } else if (v0_seen !== syncs >= 2) {
    problems.push('from an invalid entry: V=0 seen but only one sync');
  }
  return problems;
}

function check_all_pairs(kind: EntryKind, entries: number[][], update_safe: boolean): string[] {
  const problems: string[] = [];
  entries.forEach((old, i) => {
    entries.forEach((next, j) => {
      for (const p of check_pair(kind, old, next, update_safe))
        problems.push(`${kind} #${i} -> #${j}: ${p}`);
    });
  });
  return problems;
}

describe('every ordered pair of driver-built entries', () => {
  for (const update_safe of [true, false]) {
    for (const stall of [false, true]) {
      const label = `update_safe=${update_safe}, stall=${stall}`;

      it(`STE transitions are safe and take 1..3 syncs (${label})`, () => {
        const stes = all_stes(stall);
        expect(stes.length).toBe(46);
        expect(check_all_pairs('ste', stes, update_safe)).toEqual([]);
      });

      it(`CD transitions are safe and take 1..3 syncs (${label})`, () => {
        const cds = all_cds(stall);
        expect(cds.length).toBe(8);
        expect(check_all_pairs('cd', cds, update_safe)).toEqual([]);
      });
    }
  }

  it('counts the STE verdicts (a change in the used tables shows up here)', () => {
    const stes = all_stes(false);
    const count = (update_safe: boolean) => {
      const n = { none: 0, hitless: 0, breaking: 0 };
      stes.forEach((old, i) => {
        stes.forEach((next, j) => {
          if (i === j) return;
          const d = arm_smmu_write_entry('ste', old, next, { update_safe }).used_qword_diff;
          if (hweight(d) >= 2) n.breaking++;
          else if (d) n.hitless++;
          else n.none++;
        });
      });
      return n;
    };
    /* With update_safe, flipping only EATS (ATS on/off) changes no used field: 18 CD-table and
     * 4 S2 configurations, both directions. */
    const newest = count(true);
    const older = count(false);
    expect(newest.none).toBe(44);
    expect(older.none).toBe(0);
    expect(newest.none + newest.hitless + newest.breaking).toBe(46 * 45);
    expect(older.none + older.hitless + older.breaking).toBe(46 * 45);
    expect(older.breaking).toBeGreaterThan(newest.breaking);
  });
});
