/**
 * RID-level domain calls of drivers/iommu/iommu.c: iommu_paging_domain_alloc, iommu_domain_free,
 * iommu_get_domain_for_dev, iommu_attach_device / iommu_detach_device, iommu_attach_group /
 * iommu_detach_group and iommu_group_replace_domain. One test per errno rule, in kernel order.
 */
import { describe, expect, test } from 'vitest';
import { IOMMU_DOMAIN_IDENTITY, IOMMU_DOMAIN_UNMANAGED } from '../../spec/domain-types.js';
import { EBUSY, EINVAL, ENOMEM } from '../../spec/errno.js';
import { ENTRY_TRANSLATE } from '../../src/drivers/table.js';
import { NO_DOMAIN } from '../../src/kernel/types.js';
import {
  allocDomain,
  boot,
  build,
  call,
  devIndex,
  domainOf,
  type Env,
  group,
  iommu,
  warnCount,
} from '../__helpers__/scenarios.js';

const single = () => boot(build([{ name: 'A' }], { kernel: { 'iommu.strict': true } }));
const pair = (faults: { op: 'attach_dev'; nth: number }[] = []) =>
  boot(build([{ name: 'A' }, { name: 'B' }], { kernel: { 'iommu.strict': true }, faults }));
/** An SMMUv3 singleton group "gs" and a mock singleton group "gm". */
const twoDrivers = () =>
  boot(
    build(
      [
        { name: 'S', iommu: 'arm-smmu-v30', group: 'gs' },
        { name: 'M', iommu: 'mock0', group: 'gm' },
      ],
      { iommus: [iommu('arm-smmu-v3'), iommu('mock')], kernel: { 'iommu.strict': true } },
    ),
  );

const rid = (env: Env, dev: string) => env.st.hwdev[devIndex(env, dev)].rid;

describe('iommu_paging_domain_alloc', () => {
  test('returns a new UNMANAGED paging domain without a DMA cookie (drivers/iommu/iommu.c iommu_paging_domain_alloc)', () => {
    const env = single();
    const d = call(env, 'iommu_paging_domain_alloc', { dev: 'A' });
    expect(typeof d).toBe('number');
    const dom = domainOf(env, d as number);
    expect(dom.type).toBe(IOMMU_DOMAIN_UNMANAGED);
    expect(dom.cookie).toBeNull();
    expect(d).not.toBe(group(env, 'g0').default_domain);
  });

  test('-ENOMEM when the driver fails the allocation (NULL turned into -ENOMEM) (drivers/iommu/iommu.c __iommu_paging_domain_alloc_flags)', () => {
    const env = single();
    const before = env.st.domains.filter((d) => d !== null).length;
    call(env, 'fault_inject', { op: 'domain_alloc_paging' });
    expect(call(env, 'iommu_paging_domain_alloc', { dev: 'A' })).toBe(-ENOMEM);
    expect(env.st.domains.filter((d) => d !== null).length).toBe(before);
  });
});

describe('iommu_domain_free and iommu_get_domain_for_dev', () => {
  test('iommu_domain_free releases a paging domain and returns nothing (drivers/iommu/iommu.c iommu_domain_free)', () => {
    const env = single();
    const d = allocDomain(env, 'A');
    expect(call(env, 'iommu_domain_free', { domain: d })).toBe(0);
    expect(env.st.domains[d]).toBeNull();
  });

  test('iommu_domain_free never frees a static identity domain (no ops->free) (drivers/iommu/iommu.c iommu_domain_free)', () => {
    const env = boot(build([{ name: 'A' }], { kernel: { 'iommu.passthrough': true } }));
    const id = call(env, 'iommu_get_domain_for_dev', { dev: 'A' }) as number;
    expect(domainOf(env, id).type).toBe(IOMMU_DOMAIN_IDENTITY);
    expect(call(env, 'iommu_domain_free', { domain: id })).toBe(0);
    expect(env.st.domains[id]).not.toBeNull();
  });

  test('iommu_get_domain_for_dev returns group->domain: default, then the attached domain, then blocking (drivers/iommu/iommu.c iommu_get_domain_for_dev)', () => {
    const env = single();
    const g = group(env, 'g0');
    expect(call(env, 'iommu_get_domain_for_dev', { dev: 'A' })).toBe(g.default_domain);
    const d = allocDomain(env, 'A');
    call(env, 'iommu_attach_device', { domain: d, dev: 'A' });
    expect(call(env, 'iommu_get_domain_for_dev', { dev: 'A' })).toBe(d);
    call(env, 'iommu_detach_device', { domain: d, dev: 'A' });
    call(env, 'iommu_device_claim_dma_owner', { dev: 'A', owner: 'vfio' });
    expect(call(env, 'iommu_get_domain_for_dev', { dev: 'A' })).toBe(
      group(env, 'g0').blocking_domain,
    );
  });
});

describe('iommu_attach_device', () => {
  test('attaches a singleton group from its default domain and programs the RID entry (drivers/iommu/iommu.c iommu_attach_device)', () => {
    const env = single();
    const d = allocDomain(env, 'A');
    expect(call(env, 'iommu_attach_device', { domain: d, dev: 'A' })).toBe(0);
    expect(group(env, 'g0').domain).toBe(d);
    expect(rid(env, 'A')).toEqual([ENTRY_TRANSLATE, d]);
  });

  test('-EINVAL when the group has more than one device (drivers/iommu/iommu.c iommu_attach_device)', () => {
    const env = pair();
    const d = allocDomain(env, 'A');
    const before = group(env, 'g0').domain;
    expect(call(env, 'iommu_attach_device', { domain: d, dev: 'A' })).toBe(-EINVAL);
    expect(group(env, 'g0').domain).toBe(before);
  });

  test('-EINVAL for a multi-device group is checked before -EBUSY for a foreign current domain (drivers/iommu/iommu.c iommu_attach_device)', () => {
    const env = pair();
    const d1 = allocDomain(env, 'A');
    const d2 = allocDomain(env, 'A');
    expect(call(env, 'iommu_attach_group', { domain: d1, group: 'g0' })).toBe(0);
    expect(call(env, 'iommu_attach_device', { domain: d2, dev: 'A' })).toBe(-EINVAL);
  });

  test('-EBUSY when another domain than default or blocking is attached (no stealing) (drivers/iommu/iommu.c __iommu_attach_group)', () => {
    const env = single();
    const d1 = allocDomain(env, 'A');
    const d2 = allocDomain(env, 'A');
    expect(call(env, 'iommu_attach_device', { domain: d1, dev: 'A' })).toBe(0);
    expect(call(env, 'iommu_attach_device', { domain: d2, dev: 'A' })).toBe(-EBUSY);
    expect(group(env, 'g0').domain).toBe(d1);
  });

  test('-EBUSY even for the domain that is already attached (drivers/iommu/iommu.c __iommu_attach_group)', () => {
    const env = single();
    const d1 = allocDomain(env, 'A');
    call(env, 'iommu_attach_device', { domain: d1, dev: 'A' });
    expect(call(env, 'iommu_attach_device', { domain: d1, dev: 'A' })).toBe(-EBUSY);
  });

  test('-EBUSY is checked before the -EINVAL ops-compatibility check (drivers/iommu/iommu.c __iommu_attach_group)', () => {
    const env = twoDrivers();
    const dS = allocDomain(env, 'S');
    const dS2 = allocDomain(env, 'S');
    const dM = allocDomain(env, 'M');
    expect(call(env, 'iommu_attach_device', { domain: dS, dev: 'S' })).toBe(0);
    expect(call(env, 'iommu_attach_device', { domain: dM, dev: 'S' })).toBe(-EBUSY);
    expect(call(env, 'iommu_attach_device', { domain: dS2, dev: 'S' })).toBe(-EBUSY);
  });

  test('-EINVAL for a domain of another driver (domain->owner != dev_iommu_ops) (drivers/iommu/iommu.c __iommu_attach_group: domain_iommu_ops_compatible)', () => {
    const env = twoDrivers();
    const dM = allocDomain(env, 'M');
    expect(call(env, 'iommu_attach_device', { domain: dM, dev: 'S' })).toBe(-EINVAL);
    expect(group(env, 'gs').domain).toBe(group(env, 'gs').default_domain);
  });

  test('attaching from the blocking domain of an owned group is allowed (drivers/iommu/iommu.c __iommu_attach_group)', () => {
    const env = single();
    call(env, 'iommu_device_claim_dma_owner', { dev: 'A', owner: 'vfio' });
    const d = allocDomain(env, 'A');
    expect(call(env, 'iommu_attach_device', { domain: d, dev: 'A' })).toBe(0);
    expect(group(env, 'g0').domain).toBe(d);
  });

  test('a failing attach_dev is returned and the group stays on its domain (drivers/iommu/iommu.c __iommu_group_set_domain_internal)', () => {
    const env = single();
    const d = allocDomain(env, 'A');
    const before = group(env, 'g0').domain;
    call(env, 'fault_inject', { op: 'attach_dev' });
    expect(call(env, 'iommu_attach_device', { domain: d, dev: 'A' })).toBe(-ENOMEM);
    expect(group(env, 'g0').domain).toBe(before);
    expect(rid(env, 'A')).toEqual([ENTRY_TRANSLATE, before]);
  });

  test('a require_direct device may still be attached to a paging domain (only blocking is refused) (drivers/iommu/iommu.c __iommu_device_set_domain)', () => {
    const env = boot(
      build([{ name: 'A', require_direct: true }], { kernel: { 'iommu.strict': true } }),
    );
    const d = allocDomain(env, 'A');
    expect(call(env, 'iommu_attach_device', { domain: d, dev: 'A' })).toBe(0);
  });
});

describe('iommu_detach_device', () => {
  test('moves the group back to its default domain (no owner) (drivers/iommu/iommu.c iommu_detach_device -> __iommu_group_set_core_domain)', () => {
    const env = single();
    const d = allocDomain(env, 'A');
    call(env, 'iommu_attach_device', { domain: d, dev: 'A' });
    expect(call(env, 'iommu_detach_device', { domain: d, dev: 'A' })).toBe(0);
    const g = group(env, 'g0');
    expect(g.domain).toBe(g.default_domain);
    expect(warnCount(env)).toBe(0);
  });

  test('moves an owned group back to its blocking domain (drivers/iommu/iommu.c __iommu_group_set_core_domain)', () => {
    const env = single();
    call(env, 'iommu_device_claim_dma_owner', { dev: 'A', owner: 'vfio' });
    const d = allocDomain(env, 'A');
    call(env, 'iommu_attach_device', { domain: d, dev: 'A' });
    call(env, 'iommu_detach_device', { domain: d, dev: 'A' });
    const g = group(env, 'g0');
    expect(g.domain).toBe(g.blocking_domain);
    expect(g.domain).not.toBe(NO_DOMAIN);
  });

  test('WARNs and does nothing when the domain is not the current one (drivers/iommu/iommu.c iommu_detach_device)', () => {
    const env = single();
    const d1 = allocDomain(env, 'A');
    const d2 = allocDomain(env, 'A');
    call(env, 'iommu_attach_device', { domain: d1, dev: 'A' });
    expect(call(env, 'iommu_detach_device', { domain: d2, dev: 'A' })).toBe(0);
    expect(group(env, 'g0').domain).toBe(d1);
    expect(env.st.warnings).toContain('iommu_detach_device: domain != group->domain');
  });

  test('WARNs and does nothing on a group that is not a singleton (drivers/iommu/iommu.c iommu_detach_device)', () => {
    const env = pair();
    const d = allocDomain(env, 'A');
    call(env, 'iommu_attach_group', { domain: d, group: 'g0' });
    expect(call(env, 'iommu_detach_device', { domain: d, dev: 'A' })).toBe(0);
    expect(group(env, 'g0').domain).toBe(d);
    expect(env.st.warnings).toContain('iommu_detach_device: group is not a singleton');
  });
});

describe('iommu_attach_group and iommu_detach_group', () => {
  test('attaches every member of a multi-device group (no singleton rule) (drivers/iommu/iommu.c iommu_attach_group)', () => {
    const env = pair();
    const d = allocDomain(env, 'A');
    expect(call(env, 'iommu_attach_group', { domain: d, group: 'g0' })).toBe(0);
    expect(rid(env, 'A')).toEqual([ENTRY_TRANSLATE, d]);
    expect(rid(env, 'B')).toEqual([ENTRY_TRANSLATE, d]);
  });

  test('-EBUSY when a foreign domain is attached (drivers/iommu/iommu.c __iommu_attach_group)', () => {
    const env = pair();
    const d1 = allocDomain(env, 'A');
    const d2 = allocDomain(env, 'A');
    call(env, 'iommu_attach_group', { domain: d1, group: 'g0' });
    expect(call(env, 'iommu_attach_group', { domain: d2, group: 'g0' })).toBe(-EBUSY);
  });

  test('-EINVAL for a domain of another driver (drivers/iommu/iommu.c __iommu_attach_group)', () => {
    const env = twoDrivers();
    const dS = allocDomain(env, 'S');
    expect(call(env, 'iommu_attach_group', { domain: dS, group: 'gm' })).toBe(-EINVAL);
  });

  test('a failure on the second member re-attaches the first to the old domain and returns the error (drivers/iommu/iommu.c __iommu_group_set_domain_internal: err_revert)', () => {
    // attach_dev calls: boot attaches A (1) and B (2); the group attach tries A (3), B (4).
    const env = pair([{ op: 'attach_dev', nth: 4 }]);
    const old = group(env, 'g0').domain;
    const d = allocDomain(env, 'A');
    expect(call(env, 'iommu_attach_group', { domain: d, group: 'g0' })).toBe(-ENOMEM);
    expect(group(env, 'g0').domain).toBe(old);
    expect(rid(env, 'A')).toEqual([ENTRY_TRANSLATE, old]);
    expect(rid(env, 'B')).toEqual([ENTRY_TRANSLATE, old]);
    expect(warnCount(env)).toBe(0);
  });

  test('iommu_detach_group ignores its domain argument and restores the core domain (drivers/iommu/iommu.c iommu_detach_group)', () => {
    const env = pair();
    const d1 = allocDomain(env, 'A');
    const d2 = allocDomain(env, 'A');
    call(env, 'iommu_attach_group', { domain: d1, group: 'g0' });
    expect(call(env, 'iommu_detach_group', { domain: d2, group: 'g0' })).toBe(0);
    const g = group(env, 'g0');
    expect(g.domain).toBe(g.default_domain);
    expect(warnCount(env)).toBe(0);
  });
});

describe('iommu_group_replace_domain', () => {
  test('-EINVAL for a NULL domain (drivers/iommu/iommu.c iommu_group_replace_domain)', () => {
    const env = single();
    expect(call(env, 'iommu_group_replace_domain', { group: 'g0', domain: NO_DOMAIN })).toBe(
      -EINVAL,
    );
  });

  test('replaces from any current domain without -EBUSY (drivers/iommu/iommu.c iommu_group_replace_domain)', () => {
    const env = pair();
    const d1 = allocDomain(env, 'A');
    const d2 = allocDomain(env, 'A');
    call(env, 'iommu_attach_group', { domain: d1, group: 'g0' });
    expect(call(env, 'iommu_group_replace_domain', { group: 'g0', domain: d2 })).toBe(0);
    expect(group(env, 'g0').domain).toBe(d2);
    expect(rid(env, 'B')).toEqual([ENTRY_TRANSLATE, d2]);
  });

  test('replacing with the current domain is a successful no-op (drivers/iommu/iommu.c __iommu_group_set_domain_internal)', () => {
    const env = single();
    const d = allocDomain(env, 'A');
    call(env, 'iommu_attach_device', { domain: d, dev: 'A' });
    call(env, 'fault_inject', { op: 'attach_dev' });
    expect(call(env, 'iommu_group_replace_domain', { group: 'g0', domain: d })).toBe(0);
    expect(env.st.armed_faults).toEqual(['attach_dev']);
  });

  test('a failing attach is returned and the group keeps its domain (drivers/iommu/iommu.c iommu_group_replace_domain)', () => {
    const env = single();
    const d1 = allocDomain(env, 'A');
    const d2 = allocDomain(env, 'A');
    call(env, 'iommu_attach_device', { domain: d1, dev: 'A' });
    call(env, 'fault_inject', { op: 'attach_dev' });
    expect(call(env, 'iommu_group_replace_domain', { group: 'g0', domain: d2 })).toBe(-ENOMEM);
    expect(group(env, 'g0').domain).toBe(d1);
  });

  test("a domain of another IOMMU is rejected by the driver's attach_dev (no core ops check here) (drivers/iommu/iommu.c iommu_group_replace_domain)", () => {
    const env = twoDrivers();
    const dM = allocDomain(env, 'M');
    expect(call(env, 'iommu_group_replace_domain', { group: 'gs', domain: dM })).toBe(-EINVAL);
    expect(group(env, 'gs').domain).toBe(group(env, 'gs').default_domain);
  });
});
