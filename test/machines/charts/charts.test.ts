/**
 * The charts one at a time, through their pure transition: each errno path of a kernel call is
 * its own guarded transition, checked in the kernel's order (drivers/iommu/iommu.c,
 * iommu-sva.c, dma-iommu.c; docs/kernel/04-sysfs-type.md §4 to docs/kernel/07-dma-api.md §7).
 */

import { describe, expect, test } from 'vitest';
import type { AnyStateMachine, StateNode } from 'xstate';
import {
  DMA_MAPPING_ERROR,
  dmaMappingMachine,
} from '../../../machines/charts/dma_mapping.machine.js';
import { globalPasidMachine } from '../../../machines/charts/global_pasid.machine.js';
import {
  type AttachFacts,
  type GroupContext,
  iommuGroupMachine,
  type SysfsFacts,
} from '../../../machines/charts/iommu_group.machine.js';
import { type BindFacts, mmMachine } from '../../../machines/charts/mm.machine.js';
import { pagingDomainMachine } from '../../../machines/charts/paging_domain.machine.js';
import { type PasidFacts, pasidSlotMachine } from '../../../machines/charts/pasid_slot.machine.js';
import { fire, SCOPE } from '../../../machines/runtime/chart.js';
import { IOMMU_DOMAIN_DMA, IOMMU_DOMAIN_DMA_FQ } from '../../../spec/domain-types.js';
import {
  EBUSY,
  EINVAL,
  ENOMEM,
  ENOSPC,
  EOPNOTSUPP,
  EOVERFLOW,
  EPERM,
  EPROBE_DEFER,
} from '../../../spec/errno.js';

const ATTACH_OK: AttachFacts = {
  current: false,
  direct_refused: false,
  fault: false,
  driver_refused: false,
};

type GroupValue = { domain: string; ownership: string };
function group(value: GroupValue, ctx: Partial<GroupContext> = {}) {
  return iommuGroupMachine.resolveState({
    value,
    context: {
      dma_ops_reset: false,
      default_type: 'DMA',
      private_domain: value.domain === 'private' ? 'd0' : null,
      owner: value.ownership === 'owned' ? 'vfio' : null,
      owner_cnt: value.ownership === 'unowned' ? 0 : 1,
      ret: 0,
      consumed: [],
      ...ctx,
    },
  });
}
const ON_DEFAULT = { domain: 'default', ownership: 'unowned' };

describe('iommu_group: DMA ownership (iommu_group_claim_dma_owner, __iommu_take_dma_ownership)', () => {
  const claim = (attach = ATTACH_OK, owner: string | null = 'vfio', pasid_array_empty = true) =>
    ({ type: 'iommu_group_claim_dma_owner', owner, pasid_array_empty, attach }) as const;

  test('a NULL owner is -EINVAL before anything else', () => {
    const s = fire(
      iommuGroupMachine,
      group({ domain: 'default', ownership: 'dma_api' }),
      claim(ATTACH_OK, null),
    );
    expect(s.context.ret).toBe(-EINVAL);
  });
  test('any prior user is -EPERM', () => {
    const s = fire(iommuGroupMachine, group({ domain: 'default', ownership: 'dma_api' }), claim());
    expect(s.context.ret).toBe(-EPERM);
    expect(s.value).toEqual({ domain: 'default', ownership: 'dma_api' });
  });
  test('off the default domain, or with PASIDs attached, is -EBUSY', () => {
    expect(
      fire(iommuGroupMachine, group({ domain: 'private', ownership: 'unowned' }), claim()).context
        .ret,
    ).toBe(-EBUSY);
    expect(
      fire(iommuGroupMachine, group(ON_DEFAULT), claim(ATTACH_OK, 'vfio', false)).context.ret,
    ).toBe(-EBUSY);
  });
  test('a require_direct member refuses the blocking domain: -EINVAL, nothing moves', () => {
    const s = fire(
      iommuGroupMachine,
      group(ON_DEFAULT),
      claim({ ...ATTACH_OK, direct_refused: true }),
    );
    expect(s.context.ret).toBe(-EINVAL);
    expect(s.value).toEqual(ON_DEFAULT);
  });
  test('an armed attach_dev fails the claim with -ENOMEM and uses the fault up', () => {
    const s = fire(iommuGroupMachine, group(ON_DEFAULT), claim({ ...ATTACH_OK, fault: true }));
    expect(s.context).toMatchObject({ ret: -ENOMEM, consumed: ['attach_dev'], owner: null });
  });
  test('success: blocking domain, owner recorded, owner_cnt 1', () => {
    const s = fire(iommuGroupMachine, group(ON_DEFAULT), claim());
    expect(s.value).toEqual({ domain: 'blocking', ownership: 'owned' });
    expect(s.context).toMatchObject({ ret: 0, owner: 'vfio', owner_cnt: 1 });
  });
  test('the device variant counts a second claim by the same owner, refuses another', () => {
    const owned = group({ domain: 'blocking', ownership: 'owned' });
    const ev = (owner: string) =>
      ({
        type: 'iommu_device_claim_dma_owner',
        owner,
        pasid_array_empty: true,
        attach: ATTACH_OK,
      }) as const;
    expect(fire(iommuGroupMachine, owned, ev('vfio')).context).toMatchObject({
      ret: 0,
      owner_cnt: 2,
    });
    expect(fire(iommuGroupMachine, owned, ev('iommufd')).context.ret).toBe(-EPERM);
  });
  test('the final release puts the group back on its default domain', () => {
    const s = fire(iommuGroupMachine, group({ domain: 'private', ownership: 'owned' }), {
      type: 'iommu_group_release_dma_owner',
      pasid_array_empty: true,
    });
    expect(s.value).toEqual(ON_DEFAULT);
    expect(s.context).toMatchObject({ owner: null, owner_cnt: 0, private_domain: null });
  });
});

describe('iommu_group: DMA-API users (iommu_device_use_default_domain)', () => {
  const use = (pasid_array_empty = true) =>
    ({ type: 'iommu_device_use_default_domain', pasid_array_empty }) as const;
  test('no default domain: -EPROBE_DEFER', () => {
    const s = fire(
      iommuGroupMachine,
      group({ domain: 'none', ownership: 'unowned' }, { default_type: 'NONE' }),
      use(),
    );
    expect(s.context.ret).toBe(-EPROBE_DEFER);
  });
  test('an owned group: -EBUSY; a shared group off its default domain: -EBUSY', () => {
    expect(
      fire(iommuGroupMachine, group({ domain: 'blocking', ownership: 'owned' }), use()).context.ret,
    ).toBe(-EBUSY);
    expect(
      fire(iommuGroupMachine, group({ domain: 'private', ownership: 'dma_api' }), use()).context
        .ret,
    ).toBe(-EBUSY);
    expect(
      fire(iommuGroupMachine, group({ domain: 'default', ownership: 'dma_api' }), use(false))
        .context.ret,
    ).toBe(-EBUSY);
  });
  test('the first user binds whatever the domain; the region stays where it was', () => {
    const s = fire(
      iommuGroupMachine,
      group({ domain: 'private', ownership: 'unowned' }),
      use(false),
    );
    expect(s.value).toEqual({ domain: 'private', ownership: 'dma_api' });
    expect(s.context).toMatchObject({ ret: 0, owner_cnt: 1, private_domain: 'd0' });
  });
});

describe('iommu_group: RID attach (iommu_attach_device, __iommu_attach_group)', () => {
  const attach = (facts: Partial<AttachFacts> = {}, singleton = true, compatible = true) =>
    ({
      type: 'iommu_attach_device',
      singleton,
      compatible,
      target: { name: 'd1', region: 'private' },
      attach: { ...ATTACH_OK, ...facts },
    }) as const;
  test.each([
    ['a multi-device group', attach({}, false), -EINVAL],
    ["another driver's domain", attach({}, true, false), -EINVAL],
    ['an armed attach_dev', attach({ fault: true }), -ENOMEM],
    ['another IOMMU instance', attach({ driver_refused: true }), -EINVAL],
  ])('%s', (_what, ev, errno) => {
    const s = fire(iommuGroupMachine, group(ON_DEFAULT), ev);
    expect(s.context.ret).toBe(errno);
    expect(s.value).toEqual(ON_DEFAULT);
  });
  test("no stealing: -EBUSY from someone else's domain (the singleton check comes first)", () => {
    const priv = group({ domain: 'private', ownership: 'unowned' });
    expect(fire(iommuGroupMachine, priv, attach()).context.ret).toBe(-EBUSY);
    expect(fire(iommuGroupMachine, priv, attach({}, false)).context.ret).toBe(-EINVAL);
  });
  test('from the blocking domain of an owned group, keeping the owner', () => {
    const s = fire(iommuGroupMachine, group({ domain: 'blocking', ownership: 'owned' }), attach());
    expect(s.value).toEqual({ domain: 'private', ownership: 'owned' });
    expect(s.context).toMatchObject({ ret: 0, private_domain: 'd1', owner: 'vfio' });
  });
  test('detach goes back to the core domain: blocking while owned', () => {
    const s = fire(iommuGroupMachine, group({ domain: 'private', ownership: 'owned' }), {
      type: 'iommu_detach_group',
    });
    expect(s.value).toEqual({ domain: 'blocking', ownership: 'owned' });
  });
});

describe('iommu_group: sysfs type (iommu_group_store_type)', () => {
  const facts = (f: Partial<SysfsFacts>): SysfsFacts => ({
    count: 6,
    req: IOMMU_DOMAIN_DMA_FQ,
    legacy: false,
    multi_device: false,
    driver_bound: false,
    type_conflict: false,
    legacy_type: 'DMA_FQ',
    fq_fault: false,
    legal: true,
    alloc_errno: 0,
    same_domain: false,
    direct_fault: false,
    new_type: 'DMA_FQ',
    on_alloc_error: [],
    on_direct_fault: [],
    on_attach_fault: ['attach_dev'],
    on_success: [],
    ...f,
  });
  const store = (f: Partial<SysfsFacts>, attach = ATTACH_OK) =>
    ({ type: 'iommu_group_store_type', sysfs: facts(f), attach }) as const;
  const bound = group({ domain: 'default', ownership: 'dma_api' });

  test('an unknown string is -EINVAL', () => {
    expect(fire(iommuGroupMachine, bound, store({ req: null })).context.ret).toBe(-EINVAL);
  });
  test('DMA -> DMA-FQ is live, with a driver bound, keeping the domain', () => {
    const s = fire(iommuGroupMachine, bound, store({}));
    expect(s.context).toMatchObject({ ret: 6, default_type: 'DMA_FQ', dma_ops_reset: false });
  });
  test("the live upgrade returns iommu_dma_init_fq()'s -ENOMEM and keeps DMA", () => {
    const s = fire(iommuGroupMachine, bound, store({ fq_fault: true }));
    expect(s.context).toMatchObject({
      ret: -ENOMEM,
      default_type: 'DMA',
      consumed: ['iommu_dma_init_fq'],
    });
  });
  test('any other change with users is -EPERM, even to the current type', () => {
    const s = fire(iommuGroupMachine, bound, store({ req: IOMMU_DOMAIN_DMA, count: 3 }));
    expect(s.context.ret).toBe(-EPERM);
  });
  test('the allocation error, then the attach error, each restore the old default', () => {
    const idle = group(ON_DEFAULT, { default_type: 'DMA_FQ' });
    expect(
      fire(iommuGroupMachine, idle, store({ req: 0, alloc_errno: -EOPNOTSUPP })).context.ret,
    ).toBe(-EOPNOTSUPP);
    const s = fire(
      iommuGroupMachine,
      idle,
      store({ req: IOMMU_DOMAIN_DMA }, { ...ATTACH_OK, fault: true }),
    );
    expect(s.context).toMatchObject({
      ret: -ENOMEM,
      default_type: 'DMA_FQ',
      consumed: ['attach_dev'],
    });
  });
  test('success moves a group off a private domain onto the new default domain', () => {
    const s = fire(
      iommuGroupMachine,
      group({ domain: 'private', ownership: 'unowned' }, { default_type: 'IDENTITY' }),
      store({ req: IOMMU_DOMAIN_DMA, new_type: 'DMA' }),
    );
    expect(s.value).toEqual(ON_DEFAULT);
    expect(s.context).toMatchObject({ ret: 6, default_type: 'DMA', dma_ops_reset: true });
  });
  test('v6.3: a multi-device group is -EINVAL, a bound driver -EBUSY (except the live upgrade)', () => {
    const legacy = { legacy: true, req: IOMMU_DOMAIN_DMA };
    expect(
      fire(iommuGroupMachine, group(ON_DEFAULT), store({ ...legacy, multi_device: true })).context
        .ret,
    ).toBe(-EINVAL);
    expect(
      fire(iommuGroupMachine, bound, store({ ...legacy, driver_bound: true })).context.ret,
    ).toBe(-EBUSY);
    const live = fire(iommuGroupMachine, bound, store({ legacy: true, driver_bound: true }));
    expect(live.context).toMatchObject({ ret: 6, default_type: 'DMA_FQ' });
  });
});

describe('pasid_slot (iommu_attach_device_pasid, iommu_replace_device_pasid)', () => {
  const OK: PasidFacts = {
    no_set_dev_pasid: false,
    no_blocked_remove: false,
    incompatible: false,
    out_of_range: false,
    set_fault: false,
    driver_refused: false,
  };
  const free = pasidSlotMachine.getInitialSnapshot(SCOPE);
  const attach = (f: Partial<PasidFacts>, pasid = 1) =>
    ({
      type: 'iommu_attach_device_pasid',
      domain: 'd0',
      handle: null,
      pasid,
      facts: { ...OK, ...f },
    }) as const;
  const attached = fire(pasidSlotMachine, free, attach({}));

  test.each([
    [
      'no set_dev_pasid for the domain',
      attach({ no_set_dev_pasid: true, incompatible: true }),
      -EOPNOTSUPP,
    ],
    ['no blocked domain to remove with', attach({ no_blocked_remove: true }), -EOPNOTSUPP],
    ['another driver', attach({ incompatible: true, out_of_range: true }), -EINVAL],
    ['IOMMU_NO_PASID', attach({}, 0), -EINVAL],
    ['pasid >= max_pasids', attach({ out_of_range: true, set_fault: true }), -EINVAL],
    ['an armed set_dev_pasid', attach({ set_fault: true }), -ENOMEM],
    ['the driver refuses', attach({ driver_refused: true }), -EINVAL],
  ])('%s', (_what, ev, errno) => {
    const s = fire(pasidSlotMachine, free, ev);
    expect(s.context.ret).toBe(errno);
    expect(s.value).toBe('free');
  });
  test('an occupied slot is -EBUSY and keeps the first domain', () => {
    const s = fire(pasidSlotMachine, attached, {
      ...attach({ set_fault: true }),
      domain: 'default',
    });
    expect(s.context).toMatchObject({ ret: -EBUSY, domain: 'd0', consumed: [] });
  });
  test('replace: a handle is mandatory, the PASID must be attached, a handle is not reused', () => {
    const replace = (handle: string | null, domain = 'default') =>
      ({ type: 'iommu_replace_device_pasid', domain, handle, pasid: 1, facts: OK }) as const;
    expect(fire(pasidSlotMachine, attached, replace(null)).context.ret).toBe(-EINVAL);
    expect(fire(pasidSlotMachine, free, replace('h1')).context.ret).toBe(-EINVAL);
    const once = fire(pasidSlotMachine, attached, replace('h1'));
    expect(once.context).toMatchObject({ ret: 0, domain: 'default', handle: 'h1' });
    expect(fire(pasidSlotMachine, once, replace('h1', 'd0')).context.ret).toBe(-EINVAL);
    const failed = fire(pasidSlotMachine, once, {
      ...replace('h2', 'd0'),
      facts: { ...OK, set_fault: true },
    });
    expect(failed.context).toMatchObject({ ret: -ENOMEM, domain: 'default', handle: 'h1' });
  });
  test('detach erases the slot', () => {
    expect(fire(pasidSlotMachine, attached, { type: 'iommu_detach_device_pasid' }).value).toBe(
      'free',
    );
  });
});

describe('paging_domain, global_pasid, dma_mapping', () => {
  test('iommu_paging_domain_alloc: -ENOMEM on an armed allocation, else d<slot>', () => {
    const free = pagingDomainMachine.getInitialSnapshot(SCOPE);
    const ev = {
      type: 'iommu_paging_domain_alloc',
      slot: 2,
      iommu: 1,
      alloc_fault: false,
    } as const;
    expect(fire(pagingDomainMachine, free, { ...ev, alloc_fault: true }).context.ret).toBe(-ENOMEM);
    const d = fire(pagingDomainMachine, free, ev);
    expect(d.value).toBe('allocated');
    expect(d.context).toMatchObject({ ret: 'domain:d2', iommu: 1 });
    expect(fire(pagingDomainMachine, d, { type: 'iommu_domain_free' }).value).toBe('free');
  });
  test('iommu_alloc_global_pasid: IOMMU_PASID_INVALID when none is free', () => {
    const none = globalPasidMachine.getInitialSnapshot(SCOPE);
    expect(
      fire(globalPasidMachine, none, { type: 'iommu_alloc_global_pasid', free_pasid: -1 }).context
        .ret,
    ).toBe(-1);
    const held = fire(globalPasidMachine, none, {
      type: 'iommu_alloc_global_pasid',
      free_pasid: 3,
    });
    expect(held.value).toBe('holding');
    expect(held.context).toMatchObject({ ret: 3, held: [3] });
    expect(
      fire(globalPasidMachine, held, { type: 'iommu_free_global_pasid', pasid: 3 }).value,
    ).toBe('none');
  });
  test('dma_map_single fails only through the IOMMU ops with map_pages armed', () => {
    const dev = fire(dmaMappingMachine, dmaMappingMachine.getInitialSnapshot(SCOPE), {
      type: 'device_driver_attach',
      group_ret: 0,
    });
    expect(
      fire(dmaMappingMachine, dev, { type: 'device_driver_attach', group_ret: 0 }).context.ret,
    ).toBe(-EBUSY);
    const fault = fire(dmaMappingMachine, dev, {
      type: 'dma_map_single',
      map_armed: true,
      iova_full: false,
      buf: 0,
    });
    expect(fault.context).toMatchObject({
      ret: DMA_MAPPING_ERROR,
      maps: 0,
      consumed: ['map_pages'],
    });
    const direct = fire(dmaMappingMachine, dev, {
      type: 'iommu_setup_dma_ops',
      dma_api_domain: false,
    });
    const mapped = fire(dmaMappingMachine, direct, {
      type: 'dma_map_single',
      map_armed: true,
      iova_full: true,
      buf: 0,
    });
    expect(mapped.context).toMatchObject({ ret: 'IOVA', maps: 1, consumed: [] });
    expect(mapped.value).toEqual({ driver: { bound: 'mapped' }, dma_ops: 'direct' });
    expect(fire(dmaMappingMachine, mapped, { type: 'dma_opt_mapping_size' }).context.ret).toBe(
      'SIZE_MAX',
    );
    expect(
      fire(dmaMappingMachine, mapped, { type: 'device_release_driver', queued: 0 }).context.maps,
    ).toBe(0);
  });

  test('dma_map_single fails DMA_MAPPING_ERROR when the IOVA space is full; map_pages is not reached', () => {
    const dev = fire(dmaMappingMachine, dmaMappingMachine.getInitialSnapshot(SCOPE), {
      type: 'device_driver_attach',
      group_ret: 0,
    });
    const full = fire(dmaMappingMachine, dev, {
      type: 'dma_map_single',
      map_armed: true,
      iova_full: true,
      buf: 0,
    });
    expect(full.context).toMatchObject({ ret: DMA_MAPPING_ERROR, maps: 0, consumed: [] });
  });

  test('a lazy unmap queues its IOVA until fq_ring_free; a strict one frees it at once', () => {
    let dev = fire(dmaMappingMachine, dmaMappingMachine.getInitialSnapshot(SCOPE), {
      type: 'device_driver_attach',
      group_ret: 0,
    });
    dev = fire(dmaMappingMachine, dev, {
      type: 'dma_map_single',
      map_armed: false,
      iova_full: false,
      buf: 0,
    });
    dev = fire(dmaMappingMachine, dev, {
      type: 'dma_map_single',
      map_armed: false,
      iova_full: false,
      buf: 1,
    });
    expect(dev.context.bufs).toEqual([0, 1]);
    const strict = fire(dmaMappingMachine, dev, { type: 'dma_unmap_single', lazy: false, map: 0 });
    expect(strict.context).toMatchObject({ maps: 1, bufs: [1], queued: 0 });
    const lazy = fire(dmaMappingMachine, dev, { type: 'dma_unmap_single', lazy: true, map: 1 });
    expect(lazy.context).toMatchObject({ maps: 1, bufs: [0], queued: 1 });
    expect(fire(dmaMappingMachine, lazy, { type: 'fq_ring_free' }).context.queued).toBe(0);
  });
});

describe('mm (iommu_sva_bind_device, iommu_sva_unbind_device)', () => {
  const bind = (f: Partial<BindFacts>) =>
    ({
      type: 'iommu_sva_bind_device',
      bind: {
        dev: 0,
        group: 0,
        handle: 'sva:0:0',
        dev_max_pasids: 8,
        free_pasid: 1,
        busy: false,
        existing_bond: null,
        outcome: 'new',
        reuse_domain: -1,
        iommu: 0,
        attach_errno: 0,
        consumes: [],
        ...f,
      },
    }) as const;
  const fresh = mmMachine.getInitialSnapshot(SCOPE);

  test("-ENOSPC without a global PASID; -EOVERFLOW when the mm's PASID does not fit", () => {
    expect(fire(mmMachine, fresh, bind({ free_pasid: -1 })).context.ret).toBe(-ENOSPC);
    const bonded = fire(mmMachine, fresh, bind({}));
    expect(fire(mmMachine, bonded, bind({ dev_max_pasids: 1 })).context.ret).toBe(-EOVERFLOW);
  });
  test('a failed bind keeps the PASID it allocated', () => {
    const s = fire(mmMachine, fresh, bind({ busy: true }));
    expect(s.context).toMatchObject({ ret: -EBUSY, pasid: 1 });
    expect(s.value).toBe('idle');
    const refused = fire(
      mmMachine,
      fresh,
      bind({ outcome: 'attach_error', attach_errno: -EINVAL }),
    );
    expect(refused.context).toMatchObject({ ret: -EINVAL, pasid: 1 });
    expect(fire(mmMachine, fresh, bind({ outcome: 'unsupported' })).context.ret).toBe(-EOPNOTSUPP);
  });
  test('a second bind of the same (group, mm) takes a reference; unbind drops them in turn', () => {
    const once = fire(mmMachine, fresh, bind({}));
    expect(once.value).toBe('bonded');
    const twice = fire(mmMachine, once, bind({ existing_bond: 'sva:0:0', handle: 'sva:1:0' }));
    expect(twice.context.ret).toBe('sva:0:0');
    expect(twice.context.domains[0].bonds).toEqual([
      { name: 'sva:0:0', dev: 0, group: 0, users: 2 },
    ]);
    const unbind = { type: 'iommu_sva_unbind_device', handle: 'sva:0:0' } as const;
    const one = fire(mmMachine, twice, unbind);
    expect(one.value).toBe('bonded');
    const none = fire(mmMachine, one, unbind);
    expect(none.value).toBe('idle');
    expect(none.context).toMatchObject({ pasid: 1, domains: [] });
    expect(fire(mmMachine, none, { type: 'mm_pasid_drop' }).value).toBe('no_pasid');
  });
});

/** States and transitions (every guarded alternative and eventless transition) of a chart. */
function chartSize(machine: AnyStateMachine): { states: number; transitions: number } {
  let states = 0;
  let transitions = 0;
  const walk = (node: StateNode) => {
    if (node !== machine.root) states++;
    for (const list of node.transitions.values()) transitions += list.length;
    transitions += node.always?.length ?? 0;
    for (const child of Object.values(node.states)) walk(child);
  };
  walk(machine.root);
  return { states, transitions };
}

test('every transition names its guard and its actions', () => {
  for (const machine of [
    iommuGroupMachine,
    pasidSlotMachine,
    pagingDomainMachine,
    mmMachine,
    globalPasidMachine,
    dmaMappingMachine,
  ] as AnyStateMachine[]) {
    const check = (node: StateNode) => {
      const all = [...[...node.transitions.values()].flat(), ...(node.always ?? [])];
      for (const t of all) {
        for (const a of t.actions)
          expect(typeof a === 'string' ? a : '(inline action)').toMatch(/^[a-z]\w+$/);
        // Composite guards (and/or/not) are built from named guards.
        if (t.guard !== undefined && typeof t.guard !== 'string')
          expect(typeof t.guard).toBe('function');
      }
      for (const child of Object.values(node.states)) check(child);
    };
    check(machine.root);
    expect(chartSize(machine).transitions).toBeGreaterThan(2);
  }
});
