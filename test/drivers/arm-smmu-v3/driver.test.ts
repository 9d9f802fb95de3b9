/**
 * The SMMUv3 driver profile (src/drivers/arm-smmu-v3/index.ts) driven through the emulated core:
 * the STE and CD table each attach leaves behind, device DMA through them, the sync counts of the
 * main transitions (arm-smmu-v3-test.c NUM_EXPECTED_SYNCS, composed), the staged updates of
 * `bounds.hw_steps` and the 'ste-rewritten-without-v0' mutant.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { CallName } from '../../../spec/calls.js';
import { IOMMU_DOMAIN_BLOCKED, IOMMU_DOMAIN_DMA } from '../../../spec/domain-types.js';
import { EFAULT, EINVAL } from '../../../spec/errno.js';
import { parseScenario, parseTraceFile } from '../../../spec/parse.js';
import type { ScenarioInput } from '../../../spec/scenario.js';
import { checkTraceSteps } from '../../../spec/trace.js';
import { bootEmulator } from '../../../src/check/core/emulator.js';
import { replayTrace } from '../../../src/check/core/replay.js';
import {
  arm_smmu_make_abort_ste,
  arm_smmu_make_bypass_ste,
  arm_smmu_make_cdtable_ste,
  arm_smmu_make_s1_cd,
  arm_smmu_make_sva_cd,
  CD,
  type S1dss,
  STE,
} from '../../../src/drivers/arm-smmu-v3/entry.js';
import {
  arm_smmu_cdtab_dma,
  MUTANT_STE_WITHOUT_V0,
} from '../../../src/drivers/arm-smmu-v3/index.js';
import { hw_complete_all, hw_step } from '../../../src/drivers/hw-step.js';
import { reportHwUpdates } from '../../../src/drivers/index.js';
import { type EmuArgs, kernel_call } from '../../../src/kernel/dispatch.js';
import {
  iommu_attach_device,
  iommu_attach_device_pasid,
  iommu_detach_device_pasid,
  iommu_group_claim_dma_owner,
  iommu_paging_domain_alloc,
} from '../../../src/kernel/iommu.js';
import { iommuMapPfns } from '../../../src/kernel/iommu-map.js';
import { iommu_sva_bind_device } from '../../../src/kernel/iommu-sva.js';
import type { KernelConfig, KernelState } from '../../../src/kernel/types.js';

/* ------------------------------------------------------------------------------------------ */
/* Fixtures                                                                                   */
/* ------------------------------------------------------------------------------------------ */

const PAGE = 4096;
/** 16 PASIDs: S1CDMax = 4. */
const S1CDMAX = 4;

interface Opts {
  readonly passthrough?: boolean;
  readonly hw_steps?: boolean;
  readonly mutants?: string[];
  readonly iommus?: ScenarioInput['iommus'];
  readonly devices?: ScenarioInput['devices'];
}

interface Emu {
  readonly cfg: KernelConfig;
  readonly st: KernelState;
}

function boot(o: Opts = {}): Emu {
  const input: ScenarioInput = {
    name: 'smmu-driver-test',
    kernel: { 'iommu.passthrough': o.passthrough ?? false, 'iommu.strict': true },
    iommus: o.iommus ?? [{ name: 'smmu0', driver: 'arm-smmu-v3', max_pasids: 16 }],
    devices: o.devices ?? [{ name: 'dev0', iommu: 'smmu0', group: 'g0', max_pasids: 16 }],
    buffers: [
      { name: 'b0', size: 4096 },
      { name: 'b1', size: 4096 },
    ],
    bounds: { hw_steps: o.hw_steps ?? false, mms: 1 },
  };
  const parsed = parseScenario(input);
  if (!parsed.ok) throw new Error(`${parsed.where}: ${parsed.message}`);
  const emu = bootEmulator(parsed.value, { mutants: o.mutants ?? [] });
  const st = emu.initial;
  // Boot ran with the scenario's hw_steps too: finish its syncs as the next call would.
  hw_complete_all(st);
  return { cfg: emu.cfg, st };
}

function args(a: Partial<EmuArgs>): EmuArgs {
  return {
    dev: 0,
    group: 0,
    domain: -1,
    pasid: 0,
    sysfs: '',
    owner: null,
    buf: 0,
    size: 0,
    iova: 0,
    mm: 0,
    handle: null,
    iommu: 0,
    op: 'attach_dev',
    ...a,
  };
}

function call(e: Emu, name: CallName, a: Partial<EmuArgs> = {}): ReturnType<typeof kernel_call> {
  return kernel_call(e.cfg, e.st, name, args(a));
}

function dma(e: Emu, iova: number, pasid = 0, dev = 0): string | number {
  return call(e, 'device_dma', { dev, iova, pasid }) as string | number;
}

function cdtable(dev: number, s1dss: S1dss): number[] {
  return arm_smmu_make_cdtable_ste(arm_smmu_cdtab_dma(dev), S1CDMAX, s1dss);
}

const s1cd = (domain: number) => arm_smmu_make_s1_cd(domain + 1, domain + 1);

function cdAt(e: Emu, ssid: number, dev = 0): number[] | undefined {
  return e.st.hwdev[dev].pasid_table?.find((s) => s.pasid === ssid)?.entry;
}

/** A paging domain with buffer `buf` mapped at IOVA page `iova_pfn`. */
function pagingWithBuffer(e: Emu, iova_pfn: number, buf = 0): number {
  const d = iommu_paging_domain_alloc(e.cfg, e.st, 0);
  expect(d).toBeGreaterThanOrEqual(0);
  expect(iommuMapPfns(e.cfg, e.st, d, iova_pfn, e.cfg.buffers[buf].pfn, 1)).toBe(0);
  return d;
}

/** Run `fn` and return how many syncs it cost (every pending sync completed). */
function syncsOf(e: Emu, fn: () => unknown): number {
  hw_complete_all(e.st);
  const before = e.st.hw[0].syncs;
  fn();
  hw_complete_all(e.st);
  return e.st.hw[0].syncs - before;
}

/* ------------------------------------------------------------------------------------------ */
/* Tables after attach                                                                        */
/* ------------------------------------------------------------------------------------------ */

describe('arm-smmu-v3 driver: RID attach', () => {
  it('a DMA default domain boots a cdtable STE (S1DSS=SSID0) with CD 0 = its S1 CD', () => {
    const e = boot();
    const def = e.st.groups[0].default_domain;
    expect(e.st.domains[def]!.type).toBe(IOMMU_DOMAIN_DMA);
    expect(e.st.hwdev[0].rid).toEqual(cdtable(0, 'ssid0'));
    expect(e.st.hwdev[0].pasid_table).toEqual([{ pasid: 0, entry: s1cd(def) }]);
    expect(cdAt(e, 0)![CD.ASID]).toBe(def + 1);
    expect(e.st.warnings).toEqual([]);
  });

  it('an identity default domain boots a bypass STE and no CD table', () => {
    const e = boot({ passthrough: true });
    expect(e.st.hwdev[0].rid).toEqual(arm_smmu_make_bypass_ste());
    expect(e.st.hwdev[0].pasid_table).toBeNull();
    expect(dma(e, 0x1234 * PAGE)).toBe('phys:0x1234000');
  });

  it('RID DMA through the default domain reaches what iommu_map put there', () => {
    const e = boot();
    const def = e.st.groups[0].default_domain;
    expect(iommuMapPfns(e.cfg, e.st, def, 0x40, e.cfg.buffers[1].pfn, 1)).toBe(0);
    expect(dma(e, 0x40 * PAGE)).toBe('b1');
    expect(dma(e, 0x41 * PAGE)).toBe(-EFAULT);
  });

  it('a group claimed by an owner sits on an abort STE with its CD table cleared', () => {
    const e = boot();
    expect(iommu_group_claim_dma_owner(e.cfg, e.st, 0, 'vfio')).toBe(0);
    expect(e.st.domains[e.st.groups[0].domain]!.type).toBe(IOMMU_DOMAIN_BLOCKED);
    expect(e.st.hwdev[0].rid).toEqual(arm_smmu_make_abort_ste());
    expect(e.st.hwdev[0].pasid_table).toBeNull();
    expect(dma(e, 0)).toBe(-EFAULT);
  });

  it('a domain of another SMMU instance is refused with -EINVAL', () => {
    const e = boot({
      iommus: [
        { name: 'smmu0', driver: 'arm-smmu-v3', max_pasids: 16 },
        { name: 'smmu1', driver: 'arm-smmu-v3', max_pasids: 16 },
      ],
      devices: [
        { name: 'dev0', iommu: 'smmu0', group: 'g0', max_pasids: 16 },
        { name: 'dev1', iommu: 'smmu1', group: 'g1', max_pasids: 16 },
      ],
    });
    const d = iommu_paging_domain_alloc(e.cfg, e.st, 0);
    const ste1 = e.st.hwdev[1].rid.slice();
    expect(e.cfg.ops[0].attach_dev(e.cfg, e.st, d, 1)).toBe(-EINVAL);
    expect(e.cfg.ops[0].set_dev_pasid(e.cfg, e.st, d, 1, 1, -1)).toBe(-EINVAL);
    expect(iommu_attach_device(e.cfg, e.st, d, 1)).toBe(-EINVAL);
    expect(e.st.hwdev[1].rid).toEqual(ste1);
  });
});

/* ------------------------------------------------------------------------------------------ */
/* PASIDs                                                                                     */
/* ------------------------------------------------------------------------------------------ */

describe('arm-smmu-v3 driver: PASIDs', () => {
  it('attach_device_pasid writes CD[pasid]; DMA with that PASID reaches the mapped buffer', () => {
    const e = boot();
    const d = pagingWithBuffer(e, 0x80);
    expect(iommu_attach_device_pasid(e.cfg, e.st, d, 0, 3, null)).toBe(0);
    expect(cdAt(e, 3)).toEqual(s1cd(d));
    // The RID keeps its cdtable STE (already in_ste): no STE change.
    expect(e.st.hwdev[0].rid).toEqual(cdtable(0, 'ssid0'));
    expect(dma(e, 0x80 * PAGE, 3)).toBe('b0');
    // The RID still goes through the default domain, where nothing is mapped at 0x80.
    expect(dma(e, 0x80 * PAGE, 0)).toBe(-EFAULT);
    // Another PASID has no CD.
    expect(dma(e, 0x80 * PAGE, 4)).toBe(-EFAULT);
  });

  it('detach_device_pasid clears the CD and the PASID faults', () => {
    const e = boot();
    const d = pagingWithBuffer(e, 0x80);
    expect(iommu_attach_device_pasid(e.cfg, e.st, d, 0, 3, null)).toBe(0);
    expect(dma(e, 0x80 * PAGE, 3)).toBe('b0');
    call(e, 'iommu_iotlb_sync', { domain: d });
    expect(iommu_detach_device_pasid(e.cfg, e.st, d, 0, 3)).toBe(0);
    expect(cdAt(e, 3)).toBeUndefined();
    expect(e.st.hwdev[0].rid).toEqual(cdtable(0, 'ssid0'));
    expect(dma(e, 0x80 * PAGE, 3)).toBe(-EFAULT);
  });

  it('a PASID on an identity RID: cdtable STE with S1DSS=BYPASS, back to bypass on detach', () => {
    const e = boot({ passthrough: true });
    const d = pagingWithBuffer(e, 0x80);
    expect(iommu_attach_device_pasid(e.cfg, e.st, d, 0, 1, null)).toBe(0);
    expect(e.st.hwdev[0].rid).toEqual(cdtable(0, 'bypass'));
    expect(cdAt(e, 0)).toBeUndefined();
    expect(dma(e, 0x80 * PAGE, 1)).toBe('b0');
    expect(dma(e, 0x80 * PAGE, 0)).toBe('phys:0x80000');
    expect(iommu_detach_device_pasid(e.cfg, e.st, d, 0, 1)).toBe(0);
    expect(e.st.hwdev[0].rid).toEqual(arm_smmu_make_bypass_ste());
    expect(e.st.hwdev[0].pasid_table).toBeNull();
  });

  it('a PASID on a blocked RID: cdtable STE with S1DSS=TERMINATE, back to abort on detach', () => {
    const e = boot();
    expect(iommu_group_claim_dma_owner(e.cfg, e.st, 0, 'vfio')).toBe(0);
    const d = pagingWithBuffer(e, 0x80);
    expect(iommu_attach_device_pasid(e.cfg, e.st, d, 0, 2, null)).toBe(0);
    expect(e.st.hwdev[0].rid).toEqual(cdtable(0, 'terminate'));
    expect(dma(e, 0x80 * PAGE, 2)).toBe('b0');
    expect(dma(e, 0x80 * PAGE, 0)).toBe(-EFAULT);
    expect(iommu_detach_device_pasid(e.cfg, e.st, d, 0, 2)).toBe(0);
    expect(e.st.hwdev[0].rid).toEqual(arm_smmu_make_abort_ste());
  });

  it('RID identity <-> paging with a PASID in use keeps the cdtable STE, switching S1DSS', () => {
    const e = boot({ passthrough: true });
    const pd = pagingWithBuffer(e, 0x80);
    const rd = pagingWithBuffer(e, 0x90, 1);
    expect(iommu_attach_device_pasid(e.cfg, e.st, pd, 0, 1, null)).toBe(0);
    expect(iommu_attach_device(e.cfg, e.st, rd, 0)).toBe(0);
    expect(e.st.hwdev[0].rid).toEqual(cdtable(0, 'ssid0'));
    expect(cdAt(e, 0)).toEqual(s1cd(rd));
    expect(dma(e, 0x90 * PAGE, 0)).toBe('b1');
    expect(dma(e, 0x80 * PAGE, 1)).toBe('b0');
    expect(call(e, 'iommu_detach_device', { domain: rd })).toBe(0);
    expect(e.st.hwdev[0].rid).toEqual(cdtable(0, 'bypass'));
    expect(cdAt(e, 0)).toBeUndefined();
    expect(dma(e, 0x80 * PAGE, 1)).toBe('b0');
  });

  it('an SVA bond writes arm_smmu_make_sva_cd at the mm PASID', () => {
    const e = boot();
    const h = iommu_sva_bind_device(e.cfg, e.st, 0, 0, 'bond');
    expect(h).toBe('bond');
    const pasid = e.st.mms[0].pasid;
    const sva = e.st.svas[0].domain;
    expect(cdAt(e, pasid)).toEqual(arm_smmu_make_sva_cd(sva + 1, sva + 1));
    const b0 = e.cfg.buffers[0].pfn;
    expect(dma(e, b0 * PAGE, pasid)).toBe('b0');
    call(e, 'iommu_sva_unbind_device', { handle: 'bond' });
    expect(cdAt(e, pasid)).toBeUndefined();
    expect(dma(e, b0 * PAGE, pasid)).toBe(-EFAULT);
  });

  it('set_dev_pasid refuses pasid >= max_pasids', () => {
    const e = boot();
    const d = iommu_paging_domain_alloc(e.cfg, e.st, 0);
    expect(e.cfg.ops[0].set_dev_pasid(e.cfg, e.st, d, 0, 16, -1)).toBe(-EINVAL);
    expect(cdAt(e, 16)).toBeUndefined();
  });
});

/* ------------------------------------------------------------------------------------------ */
/* Sync counts                                                                                */
/* ------------------------------------------------------------------------------------------ */

describe('arm-smmu-v3 driver: syncs per transition', () => {
  it('counts the syncs of arm_smmu_write_entry for the main transitions', () => {
    const e = boot({ passthrough: true });
    const d = iommu_paging_domain_alloc(e.cfg, e.st, 0);
    // CD 0 clear -> S1 (2) + STE bypass -> cdtable (3).
    expect(syncsOf(e, () => call(e, 'iommu_attach_device', { domain: d }))).toBe(5);
    // STE cdtable -> bypass (3) + CD 0 S1 -> clear (2).
    expect(syncsOf(e, () => call(e, 'iommu_detach_device', { domain: d }))).toBe(5);
    // CD 1 (2) + STE bypass -> cdtable S1DSS=BYPASS (2).
    expect(syncsOf(e, () => iommu_attach_device_pasid(e.cfg, e.st, d, 0, 1, null))).toBe(4);
    // CD 0 (2) + STE S1DSS BYPASS -> SSID0 (1).
    expect(syncsOf(e, () => call(e, 'iommu_attach_device', { domain: d }))).toBe(3);
    // STE S1DSS SSID0 -> BYPASS (1) + CD 0 clear (2).
    expect(syncsOf(e, () => call(e, 'iommu_detach_device', { domain: d }))).toBe(3);
    // CD 1 clear (2) + STE S1DSS bypass -> bypass STE (2).
    expect(syncsOf(e, () => iommu_detach_device_pasid(e.cfg, e.st, d, 0, 1))).toBe(4);
    // STE bypass -> abort (2).
    expect(syncsOf(e, () => iommu_group_claim_dma_owner(e.cfg, e.st, 0, 'vfio'))).toBe(2);
    expect(e.st.warnings).toEqual([]);
  });

  it('booting a DMA default domain costs 4 syncs; replacing the RID domain 3', () => {
    const e = boot();
    // abort -> cdtable (2) + CD 0 clear -> S1 (2).
    expect(e.st.hw[0].syncs).toBe(4);
    const d = iommu_paging_domain_alloc(e.cfg, e.st, 0);
    // CD 0 S1(def) -> S1(d): ASID and TTB0 differ, a breaking update (3); STE unchanged.
    expect(syncsOf(e, () => call(e, 'iommu_attach_device', { domain: d }))).toBe(3);
  });
});

/* ------------------------------------------------------------------------------------------ */
/* hw_steps and the mutant                                                                    */
/* ------------------------------------------------------------------------------------------ */

interface Walk {
  readonly pendingAfterCall: number;
  readonly unsafeSeen: boolean;
  readonly steps: number;
}

/** Run a call, then hw_step until nothing is pending, judging every intermediate state. */
function stepThrough(e: Emu, name: CallName, a: Partial<EmuArgs>): Walk {
  expect(call(e, name, a)).toBe(0);
  const pendingAfterCall = e.st.hw[0].pending.length;
  let unsafeSeen = reportHwUpdates(e.cfg, e.st).some((u) => !u.safe);
  let steps = 0;
  while (e.st.hw[0].pending.length > 0) {
    // DMA may run between any two syncs; it only reads the tables.
    dma(e, 0x80 * PAGE, 0);
    expect(call(e, 'hw_step', { iommu: 0 })).toBe(0);
    steps++;
    if (reportHwUpdates(e.cfg, e.st).some((u) => !u.safe)) unsafeSeen = true;
  }
  return { pendingAfterCall, unsafeSeen, steps };
}

describe('arm-smmu-v3 driver: staged updates (bounds.hw_steps)', () => {
  it('identity <-> paging leaves pending writes, every step safe, ending at the final entry', () => {
    const flat = boot({ passthrough: true });
    const e = boot({ passthrough: true, hw_steps: true });
    const d = pagingWithBuffer(e, 0x80);
    pagingWithBuffer(flat, 0x80);

    const toPaging = stepThrough(e, 'iommu_attach_device', { domain: d });
    expect(toPaging.pendingAfterCall).toBeGreaterThan(0);
    expect(toPaging.unsafeSeen).toBe(false);
    expect(toPaging.steps).toBe(4); // 5 syncs, the first one done inside the call
    call(flat, 'iommu_attach_device', { domain: d });
    expect(e.st.hwdev).toEqual(flat.st.hwdev);
    expect(e.st.hwdev[0].rid).toEqual(cdtable(0, 'ssid0'));
    expect(dma(e, 0x80 * PAGE)).toBe('b0');

    const toIdentity = stepThrough(e, 'iommu_detach_device', { domain: d });
    expect(toIdentity.pendingAfterCall).toBeGreaterThan(0);
    expect(toIdentity.unsafeSeen).toBe(false);
    call(flat, 'iommu_detach_device', { domain: d });
    expect(e.st.hwdev).toEqual(flat.st.hwdev);
    expect(e.st.hwdev[0].rid).toEqual(arm_smmu_make_bypass_ste());
    expect(e.st.hw[0].syncs).toBe(flat.st.hw[0].syncs);
    expect(e.st.warnings).toEqual([]);
  });

  it('an in-flight STE update is reported until its last sync; the next call completes it', () => {
    const e = boot({ passthrough: true, hw_steps: true });
    const d = iommu_paging_domain_alloc(e.cfg, e.st, 0);
    expect(call(e, 'iommu_attach_device', { domain: d })).toBe(0);
    const ups = reportHwUpdates(e.cfg, e.st);
    expect(ups.length).toBeGreaterThan(0);
    expect(ups.every((u) => u.safe && u.dev === 0 && u.iommu === 0)).toBe(true);
    // Any call other than device_dma / hw_step starts from quiescent hardware.
    call(e, 'iommu_get_domain_for_dev', {});
    expect(e.st.hw[0].pending).toEqual([]);
    expect(reportHwUpdates(e.cfg, e.st)).toEqual([]);
    expect(e.st.hwdev[0].rid).toEqual(cdtable(0, 'ssid0'));
  });

  it('the mutant rewrites the STE without V=0 and an intermediate state is unsafe', () => {
    const e = boot({ passthrough: true, hw_steps: true, mutants: [MUTANT_STE_WITHOUT_V0] });
    const d = pagingWithBuffer(e, 0x80);
    const toPaging = stepThrough(e, 'iommu_attach_device', { domain: d });
    expect(toPaging.unsafeSeen).toBe(true);
    const toIdentity = stepThrough(e, 'iommu_detach_device', { domain: d });
    expect(toIdentity.unsafeSeen).toBe(true);
    // It still ends at the right entries.
    expect(e.st.hwdev[0].rid).toEqual(arm_smmu_make_bypass_ste());
  });

  it('the mutant is caught at the first unsafe sync: bypass STE with CFG changed, SHCFG not', () => {
    const e = boot({ passthrough: true, hw_steps: true, mutants: [MUTANT_STE_WITHOUT_V0] });
    const d = iommu_paging_domain_alloc(e.cfg, e.st, 0);
    call(e, 'iommu_attach_device', { domain: d });
    call(e, 'iommu_detach_device', { domain: d }); // completes the attach, starts the detach
    // The first STE sync lands at once: qword 0 (CFG=BYPASS) before qword 1 (SHCFG).
    let found = false;
    while (!found && e.st.hw[0].pending.length > 0) {
      const bad = reportHwUpdates(e.cfg, e.st).find((u) => !u.safe);
      if (bad !== undefined) {
        expect(bad.ssid).toBe(-1);
        expect(e.st.hwdev[0].rid[STE.SHCFG]).toBe(0);
        found = true;
      } else hw_step(e.cfg, e.st, 0);
    }
    expect(found).toBe(true);
  });

  it('without hw_steps the mutant leaves nothing pending to observe', () => {
    const e = boot({ passthrough: true, mutants: [MUTANT_STE_WITHOUT_V0] });
    const d = iommu_paging_domain_alloc(e.cfg, e.st, 0);
    expect(call(e, 'iommu_attach_device', { domain: d })).toBe(0);
    expect(e.st.hw[0].pending).toEqual([]);
    expect(reportHwUpdates(e.cfg, e.st)).toEqual([]);
  });
});

/* ------------------------------------------------------------------------------------------ */
/* The example trace (examples/trace.json)                                                    */
/* ------------------------------------------------------------------------------------------ */

describe('arm-smmu-v3 driver: examples/trace.json', () => {
  it('replays with every expectation met (as `iommu-spec replay` does)', () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const dir = resolve(here, '../../../examples');
    const trace = parseTraceFile(JSON.parse(readFileSync(resolve(dir, 'trace.json'), 'utf8')));
    if (!trace.ok) throw new Error(trace.message);
    expect(trace.value.scenario).toBe('scenario.json');
    const scenario = parseScenario(JSON.parse(readFileSync(resolve(dir, 'scenario.json'), 'utf8')));
    if (!scenario.ok) throw new Error(scenario.message);
    const steps = checkTraceSteps(trace.value.steps, scenario.value);
    if (!steps.ok) throw new Error(steps.message);
    const r = replayTrace(scenario.value, steps.value, { spec: null });
    if (!r.ok) throw new Error(r.message);
    expect(r.value.outcome).toEqual({ result: 'pass' });
    expect(r.value.steps.length).toBe(steps.value.length);
    for (const s of r.value.steps) {
      if (s.expect !== undefined) expect(s.ret).toBe(s.expect);
      expect(s.warnings).toEqual([]);
    }
  });
});

describe('arm-smmu-v3 driver: HitlessEntryUpdate through the lockstep replay', () => {
  /** A DMA default domain: boot writes CD 0 before the STE, so boot itself shows no STE step. */
  const scenario = parseScenario({
    name: 'smmu-hw-steps',
    kernel: { 'iommu.strict': true },
    iommus: [{ name: 'smmu0', driver: 'arm-smmu-v3', max_pasids: 16 }],
    devices: [{ name: 'dev0', iommu: 'smmu0', group: 'g0', max_pasids: 16 }],
    buffers: [{ name: 'b0', size: 4096 }],
    bounds: { hw_steps: true },
  });
  const steps4 = (extra: Record<string, unknown> = {}) =>
    Array.from({ length: 4 }, () => [
      { call: 'device_dma', dev: 'dev0', iova: 0x80000, ...extra },
      { call: 'hw_step', iommu: 'smmu0' },
    ]).flat();
  const raw: Record<string, unknown>[] = [
    // cdtable -> abort STE, CD 0 cleared.
    { call: 'iommu_group_claim_dma_owner', group: 'g0', owner: 'vfio', expect: 0 },
    ...steps4(),
    { call: 'iommu_paging_domain_alloc', dev: 'dev0', as: 'd1' },
    { call: 'iommu_map', domain: 'd1', iova: 0x80000, buf: 'b0', size: 4096, expect: 0 },
    // CD 0, then abort -> cdtable STE: the mutant's first STE sync is unsafe.
    { call: 'iommu_attach_group', domain: 'd1', group: 'g0', expect: 0 },
    ...steps4(),
    { call: 'device_dma', dev: 'dev0', iova: 0x80000, expect: 'b0' },
    { call: 'iommu_attach_device_pasid', domain: 'd1', dev: 'dev0', pasid: 1, expect: 0 },
    { call: 'iommu_detach_group', domain: 'd1', group: 'g0' },
    ...steps4({ pasid: 1 }),
    { call: 'device_dma', dev: 'dev0', iova: 0x80000, pasid: 1, expect: 'b0' },
    { call: 'device_dma', dev: 'dev0', iova: 0x80000, expect: -14 },
    { call: 'iommu_detach_device_pasid', domain: 'd1', dev: 'dev0', pasid: 1 },
    ...steps4({ pasid: 1 }),
    { call: 'device_dma', dev: 'dev0', iova: 0x80000, pasid: 1, expect: -14 },
  ];

  function replay(mutants: string[]) {
    if (!scenario.ok) throw new Error(scenario.message);
    const steps = checkTraceSteps(raw, scenario.value);
    if (!steps.ok) throw new Error(`${steps.where}: ${steps.message}`);
    const r = replayTrace(scenario.value, steps.value, { spec: null, mutants });
    if (!r.ok) throw new Error(r.message);
    return r.value;
  }

  it('the faithful driver passes every invariant at every sync', () => {
    const r = replay([]);
    expect(r.outcome).toEqual({ result: 'pass' });
    expect(r.steps.length).toBe(raw.length);
  });

  it('the mutant breaks HitlessEntryUpdate at an hw_step of the attach', () => {
    const r = replay([MUTANT_STE_WITHOUT_V0]);
    const out = r.outcome;
    expect(out.result).toBe('violation');
    if (out.result !== 'violation') return;
    expect(out.invariant).toBe('HitlessEntryUpdate');
    const attach = raw.findIndex((s) => s.call === 'iommu_attach_group');
    expect(out.index).toBeGreaterThan(attach);
    // The first finding is at a hardware sync; replay goes on to the end of the trace.
    expect(raw[out.index].call).toBe('hw_step');
    expect(r.steps.length).toBe(raw.length);
  });
});
