/**
 * DMA ownership: the driver core's bind/unbind (drivers/base/dd.c -> iommu_device_use_default_domain
 * / iommu_device_unuse_default_domain) and the four explicit-ownership calls of
 * drivers/iommu/iommu.c. One test per errno rule; where two rules apply, the state makes both
 * hold and the test asserts the one the kernel checks first.
 */
import { describe, expect, test } from 'vitest';
import { IOMMU_DOMAIN_BLOCKED } from '../../spec/domain-types.js';
import { EBUSY, EINVAL, EPERM } from '../../spec/errno.js';
import { NO_DOMAIN } from '../../src/kernel/types.js';
import {
  allocDomain,
  boot,
  build,
  builtin,
  call,
  devIndex,
  domainOf,
  type Env,
  group,
  warnCount,
} from '../__helpers__/scenarios.js';

/** Two devices in one mock group "g0", strict DMA. */
const pair = () =>
  boot(build([{ name: 'A' }, { name: 'B' }], { kernel: { 'iommu.strict': true } }));
const single = () => boot(build([{ name: 'A' }], { kernel: { 'iommu.strict': true } }));

const bound = (env: Env, dev: string) => env.st.devices[devIndex(env, dev)].driver_bound;

describe('device_driver_attach (drivers/base/dd.c -> iommu_device_use_default_domain)', () => {
  test('binding a DMA-API driver counts one owner_cnt (drivers/iommu/iommu.c iommu_device_use_default_domain)', () => {
    const env = pair();
    expect(call(env, 'device_driver_attach', { dev: 'A' })).toBe(0);
    expect(call(env, 'device_driver_attach', { dev: 'B' })).toBe(0);
    expect(group(env, 'g0').owner_cnt).toBe(2);
    expect(group(env, 'g0').owner).toBeNull();
  });

  test('-EBUSY when a driver is already bound, before the IOMMU is asked (drivers/base/dd.c __driver_probe_device)', () => {
    const env = pair();
    call(env, 'device_driver_attach', { dev: 'A' });
    expect(call(env, 'device_driver_attach', { dev: 'A' })).toBe(-EBUSY);
    expect(group(env, 'g0').owner_cnt).toBe(1);
  });

  test('-EBUSY when an explicit (VFIO) owner holds the group (drivers/iommu/iommu.c iommu_device_use_default_domain)', () => {
    const env = pair();
    expect(call(env, 'iommu_device_claim_dma_owner', { dev: 'A', owner: 'vfio' })).toBe(0);
    expect(call(env, 'device_driver_attach', { dev: 'B' })).toBe(-EBUSY);
    expect(bound(env, 'B')).toBe(false);
    expect(group(env, 'g0').owner_cnt).toBe(1);
  });

  test('-EBUSY when others use the group and it is off its default domain (drivers/iommu/iommu.c iommu_device_use_default_domain)', () => {
    const env = pair();
    call(env, 'device_driver_attach', { dev: 'A' });
    const d = allocDomain(env, 'A');
    expect(call(env, 'iommu_attach_group', { domain: d, group: 'g0' })).toBe(0);
    expect(call(env, 'device_driver_attach', { dev: 'B' })).toBe(-EBUSY);
  });

  test('-EBUSY when others use the group and PASIDs are attached (drivers/iommu/iommu.c iommu_device_use_default_domain)', () => {
    const env = boot(
      build(
        [
          { name: 'A', max_pasids: 16 },
          { name: 'B', max_pasids: 16 },
        ],
        { kernel: { 'iommu.strict': true } },
      ),
    );
    call(env, 'device_driver_attach', { dev: 'A' });
    const d = allocDomain(env, 'A');
    expect(call(env, 'iommu_attach_device_pasid', { domain: d, dev: 'A', pasid: 1 })).toBe(0);
    expect(call(env, 'device_driver_attach', { dev: 'B' })).toBe(-EBUSY);
  });

  test('with owner_cnt == 0 the "domain == default" check does not fire: a bind on a private domain succeeds (drivers/iommu/iommu.c iommu_device_use_default_domain)', () => {
    const env = single();
    const d = allocDomain(env, 'A');
    call(env, 'iommu_attach_device', { domain: d, dev: 'A' });
    expect(call(env, 'device_driver_attach', { dev: 'A' })).toBe(0);
    expect(group(env, 'g0').owner_cnt).toBe(1);
  });
});

describe('device_release_driver (drivers/base/dd.c -> iommu_device_unuse_default_domain)', () => {
  test('unbinding an unbound device does nothing (drivers/base/dd.c device_release_driver)', () => {
    const env = single();
    expect(call(env, 'device_release_driver', { dev: 'A' })).toBe(0);
    expect(group(env, 'g0').owner_cnt).toBe(0);
    expect(warnCount(env)).toBe(0);
  });

  test('unbinding drops owner_cnt and the driver unmaps what it mapped (drivers/iommu/iommu.c iommu_device_unuse_default_domain)', () => {
    const env = single();
    call(env, 'device_driver_attach', { dev: 'A' });
    call(env, 'dma_map_single', { dev: 'A', buf: 'b0', size: 4096 });
    expect(call(env, 'device_release_driver', { dev: 'A' })).toBe(0);
    expect(group(env, 'g0').owner_cnt).toBe(0);
    expect(env.st.devices[0].maps).toEqual([]);
    expect(bound(env, 'A')).toBe(false);
  });

  test('unbinding does not change the domain (a private domain stays attached) (drivers/iommu/iommu.c iommu_device_unuse_default_domain)', () => {
    const env = single();
    call(env, 'device_driver_attach', { dev: 'A' });
    const d = allocDomain(env, 'A');
    call(env, 'iommu_attach_device', { domain: d, dev: 'A' });
    call(env, 'device_release_driver', { dev: 'A' });
    expect(group(env, 'g0').domain).toBe(d);
  });

  test('WARNs and keeps owner_cnt while PASIDs are still attached (drivers/iommu/iommu.c iommu_device_unuse_default_domain)', () => {
    const env = boot(build([{ name: 'A', max_pasids: 16 }], { kernel: { 'iommu.strict': true } }));
    call(env, 'device_driver_attach', { dev: 'A' });
    const d = allocDomain(env, 'A');
    call(env, 'iommu_attach_device_pasid', { domain: d, dev: 'A', pasid: 1 });
    call(env, 'device_release_driver', { dev: 'A' });
    expect(env.st.warnings).toContain(
      'iommu_device_unuse_default_domain: !owner_cnt || !xa_empty(pasid_array)',
    );
    expect(group(env, 'g0').owner_cnt).toBe(1);
  });
});

describe('iommu_device_claim_dma_owner', () => {
  test('takes ownership: blocking domain attached, owner recorded, owner_cnt 1 (drivers/iommu/iommu.c __iommu_take_dma_ownership)', () => {
    const env = single();
    expect(call(env, 'iommu_device_claim_dma_owner', { dev: 'A', owner: 'vfio' })).toBe(0);
    const g = group(env, 'g0');
    expect(g.owner).toBe('vfio');
    expect(g.owner_cnt).toBe(1);
    expect(g.domain).toBe(g.blocking_domain);
    expect(domainOf(env, g.blocking_domain).type).toBe(IOMMU_DOMAIN_BLOCKED);
  });

  test('-EINVAL with a WARN for a NULL owner (drivers/iommu/iommu.c iommu_device_claim_dma_owner)', () => {
    const env = single();
    expect(call(env, 'iommu_device_claim_dma_owner', { dev: 'A', owner: null })).toBe(-EINVAL);
    expect(env.st.warnings).toContain('iommu_device_claim_dma_owner: !owner');
    expect(group(env, 'g0').owner_cnt).toBe(0);
  });

  test('the NULL-owner -EINVAL comes before the -EPERM of a used group (drivers/iommu/iommu.c iommu_device_claim_dma_owner)', () => {
    const env = single();
    call(env, 'device_driver_attach', { dev: 'A' });
    expect(call(env, 'iommu_device_claim_dma_owner', { dev: 'A', owner: null })).toBe(-EINVAL);
  });

  test('-EPERM while a DMA-API driver uses the group (drivers/iommu/iommu.c iommu_device_claim_dma_owner)', () => {
    const env = pair();
    call(env, 'device_driver_attach', { dev: 'B' });
    expect(call(env, 'iommu_device_claim_dma_owner', { dev: 'A', owner: 'vfio' })).toBe(-EPERM);
  });

  test('-EPERM for a different owner (drivers/iommu/iommu.c iommu_device_claim_dma_owner)', () => {
    const env = pair();
    call(env, 'iommu_device_claim_dma_owner', { dev: 'A', owner: 'vfio' });
    expect(call(env, 'iommu_device_claim_dma_owner', { dev: 'B', owner: 'iommufd' })).toBe(-EPERM);
    expect(group(env, 'g0').owner).toBe('vfio');
  });

  test('the same owner counts up without touching the domain (drivers/iommu/iommu.c iommu_device_claim_dma_owner)', () => {
    const env = pair();
    call(env, 'iommu_device_claim_dma_owner', { dev: 'A', owner: 'vfio' });
    const d = allocDomain(env, 'A');
    call(env, 'iommu_attach_group', { domain: d, group: 'g0' });
    expect(call(env, 'iommu_device_claim_dma_owner', { dev: 'B', owner: 'vfio' })).toBe(0);
    expect(group(env, 'g0').owner_cnt).toBe(2);
    expect(group(env, 'g0').domain).toBe(d);
  });

  test('-EPERM (used group) is checked before -EBUSY (PASIDs attached) (drivers/iommu/iommu.c iommu_device_claim_dma_owner)', () => {
    const env = boot(build([{ name: 'A', max_pasids: 16 }], { kernel: { 'iommu.strict': true } }));
    call(env, 'device_driver_attach', { dev: 'A' });
    const d = allocDomain(env, 'A');
    call(env, 'iommu_attach_device_pasid', { domain: d, dev: 'A', pasid: 1 });
    expect(call(env, 'iommu_device_claim_dma_owner', { dev: 'A', owner: 'vfio' })).toBe(-EPERM);
  });

  test('-EBUSY while PASIDs are attached (drivers/iommu/iommu.c __iommu_take_dma_ownership)', () => {
    const env = boot(build([{ name: 'A', max_pasids: 16 }], { kernel: { 'iommu.strict': true } }));
    const d = allocDomain(env, 'A');
    call(env, 'iommu_attach_device_pasid', { domain: d, dev: 'A', pasid: 1 });
    expect(call(env, 'iommu_device_claim_dma_owner', { dev: 'A', owner: 'vfio' })).toBe(-EBUSY);
    expect(group(env, 'g0').owner).toBeNull();
  });

  test('-EBUSY when the group is on a private domain (drivers/iommu/iommu.c __iommu_take_dma_ownership)', () => {
    const env = single();
    const d = allocDomain(env, 'A');
    call(env, 'iommu_attach_device', { domain: d, dev: 'A' });
    expect(call(env, 'iommu_device_claim_dma_owner', { dev: 'A', owner: 'vfio' })).toBe(-EBUSY);
  });

  test('-EINVAL for a require_direct device: the blocking domain is refused ("Firmware has requested this device have a 1:1 IOMMU mapping") (drivers/iommu/iommu.c __iommu_device_set_domain)', () => {
    const env = boot(builtin('vtd-require-direct'));
    const before = group(env, 'g0').domain;
    expect(call(env, 'iommu_device_claim_dma_owner', { dev: '0000:00:14.0', owner: 'vfio' })).toBe(
      -EINVAL,
    );
    const g = group(env, 'g0');
    expect(g.owner).toBeNull();
    expect(g.owner_cnt).toBe(0);
    expect(g.domain).toBe(before);
  });
});

describe('iommu_group_claim_dma_owner', () => {
  test('-EINVAL with a WARN for a NULL owner, before -EPERM (drivers/iommu/iommu.c iommu_group_claim_dma_owner)', () => {
    const env = single();
    call(env, 'device_driver_attach', { dev: 'A' });
    expect(call(env, 'iommu_group_claim_dma_owner', { group: 'g0', owner: null })).toBe(-EINVAL);
    expect(env.st.warnings).toContain('iommu_group_claim_dma_owner: !owner');
  });

  test('-EPERM for any prior owner_cnt, even the same owner (drivers/iommu/iommu.c iommu_group_claim_dma_owner)', () => {
    const env = single();
    expect(call(env, 'iommu_group_claim_dma_owner', { group: 'g0', owner: 'vfio' })).toBe(0);
    expect(call(env, 'iommu_group_claim_dma_owner', { group: 'g0', owner: 'vfio' })).toBe(-EPERM);
    expect(group(env, 'g0').owner_cnt).toBe(1);
  });

  test('-EPERM while a DMA-API driver is bound (drivers/iommu/iommu.c iommu_group_claim_dma_owner)', () => {
    const env = single();
    call(env, 'device_driver_attach', { dev: 'A' });
    expect(call(env, 'iommu_group_claim_dma_owner', { group: 'g0', owner: 'vfio' })).toBe(-EPERM);
  });

  test('-EBUSY while PASIDs are attached (drivers/iommu/iommu.c __iommu_take_dma_ownership)', () => {
    const env = boot(build([{ name: 'A', max_pasids: 16 }], { kernel: { 'iommu.strict': true } }));
    const d = allocDomain(env, 'A');
    call(env, 'iommu_attach_device_pasid', { domain: d, dev: 'A', pasid: 3 });
    expect(call(env, 'iommu_group_claim_dma_owner', { group: 'g0', owner: 'vfio' })).toBe(-EBUSY);
  });

  test('-EINVAL for a require_direct device (require_direct makes claims fail) (drivers/iommu/iommu.c __iommu_device_set_domain)', () => {
    const env = boot(builtin('vtd-require-direct'));
    expect(call(env, 'iommu_group_claim_dma_owner', { group: 'g0', owner: 'vfio' })).toBe(-EINVAL);
    expect(group(env, 'g0').owner).toBeNull();
  });

  test('a claimed group runs on the blocking domain, which is shared with the static blocked domain (drivers/iommu/iommu.c __iommu_group_alloc_blocking_domain)', () => {
    const env = single();
    call(env, 'iommu_group_claim_dma_owner', { group: 'g0', owner: 'vfio' });
    const g = group(env, 'g0');
    expect(domainOf(env, g.blocking_domain).is_static).toBe(true);
    expect(env.st.hwdev[0].rid[0]).toBe(0); // ENTRY_ABORT
  });
});

describe('iommu_group_release_dma_owner and iommu_device_release_dma_owner', () => {
  test('the final release puts the group back on its default domain (drivers/iommu/iommu.c __iommu_release_dma_ownership)', () => {
    const env = single();
    call(env, 'iommu_group_claim_dma_owner', { group: 'g0', owner: 'vfio' });
    const d = allocDomain(env, 'A');
    call(env, 'iommu_attach_group', { domain: d, group: 'g0' });
    expect(call(env, 'iommu_group_release_dma_owner', { group: 'g0' })).toBe(0);
    const g = group(env, 'g0');
    expect(g.owner).toBeNull();
    expect(g.owner_cnt).toBe(0);
    expect(g.domain).toBe(g.default_domain);
    expect(warnCount(env)).toBe(0);
  });

  test('releasing a group without an owner WARNs and changes nothing (drivers/iommu/iommu.c __iommu_release_dma_ownership)', () => {
    const env = single();
    call(env, 'device_driver_attach', { dev: 'A' });
    expect(call(env, 'iommu_group_release_dma_owner', { group: 'g0' })).toBe(0);
    expect(env.st.warnings).toContain('__iommu_release_dma_ownership: inconsistent ownership');
    expect(group(env, 'g0').owner_cnt).toBe(1);
  });

  test('releasing with PASIDs still attached WARNs and keeps the ownership (drivers/iommu/iommu.c __iommu_release_dma_ownership)', () => {
    const env = boot(build([{ name: 'A', max_pasids: 16 }], { kernel: { 'iommu.strict': true } }));
    call(env, 'iommu_group_claim_dma_owner', { group: 'g0', owner: 'vfio' });
    const d = allocDomain(env, 'A');
    expect(call(env, 'iommu_attach_device_pasid', { domain: d, dev: 'A', pasid: 1 })).toBe(0);
    call(env, 'iommu_group_release_dma_owner', { group: 'g0' });
    expect(env.st.warnings).toContain('__iommu_release_dma_ownership: inconsistent ownership');
    expect(group(env, 'g0').owner).toBe('vfio');
  });

  test('iommu_device_release_dma_owner counts down while owner_cnt > 1, staying blocked (drivers/iommu/iommu.c iommu_device_release_dma_owner)', () => {
    const env = pair();
    call(env, 'iommu_device_claim_dma_owner', { dev: 'A', owner: 'vfio' });
    call(env, 'iommu_device_claim_dma_owner', { dev: 'B', owner: 'vfio' });
    expect(call(env, 'iommu_device_release_dma_owner', { dev: 'B' })).toBe(0);
    const g = group(env, 'g0');
    expect(g.owner_cnt).toBe(1);
    expect(g.owner).toBe('vfio');
    expect(g.domain).toBe(g.blocking_domain);
  });

  test('iommu_device_release_dma_owner releases on the last count (drivers/iommu/iommu.c iommu_device_release_dma_owner)', () => {
    const env = single();
    call(env, 'iommu_device_claim_dma_owner', { dev: 'A', owner: 'vfio' });
    call(env, 'iommu_device_release_dma_owner', { dev: 'A' });
    const g = group(env, 'g0');
    expect(g.owner).toBeNull();
    expect(g.owner_cnt).toBe(0);
    expect(g.domain).toBe(g.default_domain);
    expect(g.blocking_domain).not.toBe(NO_DOMAIN);
  });

  test('iommu_device_release_dma_owner on an unowned single-user group WARNs (drivers/iommu/iommu.c __iommu_release_dma_ownership)', () => {
    const env = single();
    call(env, 'iommu_device_release_dma_owner', { dev: 'A' });
    expect(env.st.warnings).toContain('__iommu_release_dma_ownership: inconsistent ownership');
  });
});
