/**
 * /sys/kernel/iommu_groups/N/type: iommu_group_store_type() and iommu_group_show_type()
 * (drivers/iommu/iommu.c), newest rules and the v6.3 rules (iommu_change_dev_def_domain) when
 * scenario.kernel.revision is 'v6.3'. One test per rule, in the kernel's check order.
 */
import { describe, expect, test } from 'vitest';
import {
  IOMMU_DOMAIN_DMA,
  IOMMU_DOMAIN_DMA_FQ,
  IOMMU_DOMAIN_IDENTITY,
} from '../../spec/domain-types.js';
import { EBUSY, EINVAL, ENOMEM, EOPNOTSUPP, EPERM } from '../../spec/errno.js';
import { iovaToPhysPfn } from '../../src/kernel/iommu-map.js';
import { NO_DOMAIN } from '../../src/kernel/types.js';
import {
  allocDomain,
  boot,
  build,
  builtin,
  call,
  domainOf,
  group,
  iommu,
  showType,
} from '../__helpers__/scenarios.js';

const store = (env: ReturnType<typeof boot>, sysfs: string, g = 'g0') =>
  call(env, 'iommu_group_store_type', { group: g, sysfs });

/** One mock device, strict DMA at boot. */
const strict = (revision?: 'v6.3') =>
  boot(
    build([{ name: 'A' }], {
      kernel: { 'iommu.strict': true, ...(revision ? { revision } : {}) },
    }),
  );
/** One mock device, identity at boot. */
const passthrough = (revision?: 'v6.3') =>
  boot(
    build([{ name: 'A' }], {
      kernel: { 'iommu.passthrough': true, ...(revision ? { revision } : {}) },
    }),
  );

describe('iommu_group_show_type', () => {
  test('prints "DMA\\n" for a DMA default domain (drivers/iommu/iommu.c iommu_group_show_type)', () => {
    expect(showType(strict())).toBe('DMA\n');
  });

  test('prints "DMA-FQ\\n" for a flush-queue default domain (drivers/iommu/iommu.c iommu_group_show_type)', () => {
    expect(showType(boot(build([{ name: 'A' }])))).toBe('DMA-FQ\n');
  });

  test('prints "identity\\n" for an identity default domain (drivers/iommu/iommu.c iommu_group_show_type)', () => {
    expect(showType(passthrough())).toBe('identity\n');
  });

  test('prints "unknown\\n" when the group has no default domain (drivers/iommu/iommu.c iommu_group_show_type)', () => {
    // An untrusted device next to an AMD PASID device: the folded IDENTITY is refused.
    const env = boot(
      build(
        [
          { name: 'U', untrusted: true },
          { name: 'P', max_pasids: 16 },
        ],
        { iommus: [iommu('amd')] },
      ),
    );
    expect(group(env, 'g0').default_domain).toBe(NO_DOMAIN);
    expect(showType(env)).toBe('unknown\n');
  });
});

describe('iommu_group_store_type (newest)', () => {
  test('-EINVAL when the group has no default domain, before the string is parsed (drivers/iommu/iommu.c iommu_group_store_type)', () => {
    const env = boot(
      build(
        [
          { name: 'U', untrusted: true },
          { name: 'P', max_pasids: 16 },
        ],
        { iommus: [iommu('amd')] },
      ),
    );
    expect(store(env, 'DMA')).toBe(-EINVAL);
  });

  test('-EINVAL for "blocked": not a type sysfs accepts (drivers/iommu/iommu.c iommu_group_store_type)', () => {
    const env = passthrough();
    expect(store(env, 'blocked')).toBe(-EINVAL);
    expect(showType(env)).toBe('identity\n');
  });

  test('-EINVAL for "unmanaged" (drivers/iommu/iommu.c iommu_group_store_type)', () => {
    expect(store(passthrough(), 'unmanaged')).toBe(-EINVAL);
  });

  test('-EINVAL for garbage, the empty string and a wrong case (sysfs_streq is exact) (drivers/iommu/iommu.c iommu_group_store_type; lib/string.c sysfs_streq)', () => {
    const env = passthrough();
    for (const s of ['garbage', '', 'dma', 'Identity', ' DMA', 'DMA ', 'DMA\n\n']) {
      expect(store(env, s), JSON.stringify(s)).toBe(-EINVAL);
    }
    expect(showType(env)).toBe('identity\n');
  });

  test('a string is parsed before the driver-bound check: garbage with a driver bound is -EINVAL, not -EPERM (drivers/iommu/iommu.c iommu_group_store_type)', () => {
    const env = strict();
    expect(call(env, 'device_driver_attach', { dev: 'A' })).toBe(0);
    expect(store(env, 'garbage')).toBe(-EINVAL);
  });

  test('one trailing newline is accepted and the byte count includes it (lib/string.c sysfs_streq; drivers/iommu/iommu.c iommu_group_store_type)', () => {
    const env = passthrough();
    expect(store(env, 'DMA\n')).toBe(4);
    expect(showType(env)).toBe('DMA\n');
    expect(store(env, 'identity\n')).toBe(9);
    expect(showType(env)).toBe('identity\n');
  });

  // DISCREPANCY: the kernel compares C strings. A write of "DMA\0junk" reaches
  // iommu_group_store_type() with count 8 and sysfs_streq(buf, "DMA") stops at the NUL, so the
  // kernel switches to DMA and returns 8. The emulator compares whole JavaScript strings and
  // returns -EINVAL.
  test('bytes after an embedded NUL are ignored by sysfs_streq; the full count is returned (lib/string.c sysfs_streq; drivers/iommu/iommu.c iommu_group_store_type)', () => {
    const env = passthrough();
    expect(store(env, 'DMA\u0000junk')).toBe(8);
    expect(showType(env)).toBe('DMA\n');
  });

  test('live DMA -> DMA-FQ with a driver bound returns the byte count and keeps the domain object and its mappings (drivers/iommu/iommu.c iommu_group_store_type: iommu_dma_init_fq)', () => {
    const env = strict();
    expect(call(env, 'device_driver_attach', { dev: 'A' })).toBe(0);
    const iova = call(env, 'dma_map_single', { dev: 'A', buf: 'b0', size: 4096 });
    expect(typeof iova).toBe('number');
    const before = group(env, 'g0').default_domain;
    expect(domainOf(env, before).cookie?.fq).toBeNull();
    expect(store(env, 'DMA-FQ')).toBe(6);
    const g = group(env, 'g0');
    expect(g.default_domain).toBe(before);
    expect(g.domain).toBe(before);
    const d = domainOf(env, before);
    expect(d.type).toBe(IOMMU_DOMAIN_DMA_FQ);
    expect(d.cookie?.fq).not.toBeNull();
    expect(iovaToPhysPfn(env.st, before, (iova as number) / 4096)).toBe(env.cfg.buffers[0].pfn);
    expect(showType(env)).toBe('DMA-FQ\n');
  });

  test('the live DMA -> DMA-FQ upgrade is checked before owner_cnt: it succeeds on a VFIO-owned group (drivers/iommu/iommu.c iommu_group_store_type)', () => {
    const env = strict();
    expect(call(env, 'iommu_group_claim_dma_owner', { group: 'g0', owner: 'vfio' })).toBe(0);
    expect(store(env, 'DMA-FQ')).toBe(6);
    expect(domainOf(env, group(env, 'g0').default_domain).type).toBe(IOMMU_DOMAIN_DMA_FQ);
  });

  test('the live upgrade ignores untrusted status (observed divergence, docs/kernel/04-sysfs-type.md §4.1) (drivers/iommu/iommu.c iommu_group_store_type)', () => {
    const env = boot(build([{ name: 'A', untrusted: true }]));
    expect(showType(env)).toBe('DMA\n');
    expect(store(env, 'DMA-FQ')).toBe(6);
    expect(showType(env)).toBe('DMA-FQ\n');
  });

  test('the live upgrade ignores IOMMU_CAP_DEFERRED_FLUSH, unlike boot (s390 ISM) (drivers/iommu/iommu.c iommu_group_store_type)', () => {
    const env = boot(builtin('s390-ism'));
    expect(showType(env)).toBe('DMA\n');
    expect(store(env, 'DMA-FQ')).toBe(6);
    expect(showType(env)).toBe('DMA-FQ\n');
  });

  test('a failing iommu_dma_init_fq() is returned and the type stays DMA (drivers/iommu/iommu.c iommu_group_store_type)', () => {
    const env = strict();
    call(env, 'fault_inject', { op: 'iommu_dma_init_fq' });
    expect(store(env, 'DMA-FQ')).toBe(-ENOMEM);
    expect(showType(env)).toBe('DMA\n');
  });

  test('-EPERM for "identity" with a DMA-API driver bound (owner_cnt != 0) (drivers/iommu/iommu.c iommu_group_store_type)', () => {
    const env = strict();
    call(env, 'device_driver_attach', { dev: 'A' });
    const before = group(env, 'g0').default_domain;
    expect(store(env, 'identity')).toBe(-EPERM);
    expect(group(env, 'g0').default_domain).toBe(before);
  });

  test('-EPERM for "auto" with a driver bound (drivers/iommu/iommu.c iommu_group_store_type)', () => {
    const env = strict();
    call(env, 'device_driver_attach', { dev: 'A' });
    expect(store(env, 'auto')).toBe(-EPERM);
  });

  test('-EPERM for "DMA" on a DMA-FQ group with a driver bound: no live downgrade (drivers/iommu/iommu.c iommu_group_store_type)', () => {
    const env = boot(build([{ name: 'A' }]));
    call(env, 'device_driver_attach', { dev: 'A' });
    expect(store(env, 'DMA')).toBe(-EPERM);
    expect(showType(env)).toBe('DMA-FQ\n');
  });

  test('"DMA-FQ" on an already DMA-FQ group with a driver bound is -EPERM: the shortcut needs a DMA domain (drivers/iommu/iommu.c iommu_group_store_type)', () => {
    const env = boot(build([{ name: 'A' }]));
    call(env, 'device_driver_attach', { dev: 'A' });
    expect(store(env, 'DMA-FQ')).toBe(-EPERM);
  });

  test('even the current type is -EPERM with a driver bound (drivers/iommu/iommu.c iommu_group_store_type)', () => {
    const env = strict();
    call(env, 'device_driver_attach', { dev: 'A' });
    expect(store(env, 'DMA')).toBe(-EPERM);
  });

  test('-EPERM with an explicit (VFIO) owner for anything but the live upgrade (drivers/iommu/iommu.c iommu_group_store_type)', () => {
    const env = passthrough();
    call(env, 'iommu_group_claim_dma_owner', { group: 'g0', owner: 'vfio' });
    expect(store(env, 'DMA')).toBe(-EPERM);
  });

  test('with owner_cnt == 0 a change succeeds, returns the byte count and frees the old default domain (drivers/iommu/iommu.c iommu_group_store_type -> iommu_setup_default_domain)', () => {
    const env = strict();
    const old = group(env, 'g0').default_domain;
    expect(store(env, 'identity')).toBe(8);
    const g = group(env, 'g0');
    expect(domainOf(env, g.default_domain).type).toBe(IOMMU_DOMAIN_IDENTITY);
    expect(g.domain).toBe(g.default_domain);
    expect(env.st.domains[old]).toBeNull();
    expect(env.st.devices[0].dma_iommu).toBe(false);
  });

  test('after unbind a change is allowed again (owner_cnt back to 0) (drivers/iommu/iommu.c iommu_group_store_type)', () => {
    const env = strict();
    call(env, 'device_driver_attach', { dev: 'A' });
    expect(store(env, 'identity')).toBe(-EPERM);
    call(env, 'device_release_driver', { dev: 'A' });
    expect(store(env, 'identity')).toBe(8);
  });

  test('"auto" picks the global default type (drivers/iommu/iommu.c iommu_group_alloc_default_domain)', () => {
    const env = boot(build([{ name: 'A' }], { kernel: { 'iommu.strict': false } }));
    expect(store(env, 'identity')).toBe(8);
    expect(store(env, 'auto')).toBe(4);
    expect(showType(env)).toBe('DMA-FQ\n');
  });

  test('"auto" follows the driver preference (AMD PASID device: identity) (drivers/iommu/iommu.c iommu_get_default_domain_type)', () => {
    const env = boot(build([{ name: 'A', max_pasids: 16 }], { iommus: [iommu('amd')] }));
    expect(showType(env)).toBe('identity\n');
    // A DMA domain cannot be requested against the driver's IDENTITY preference ...
    expect(store(env, 'DMA')).toBe(-EINVAL);
    expect(store(env, 'auto')).toBe(4);
    expect(showType(env)).toBe('identity\n');
  });

  test('-EINVAL for "identity" on an untrusted device: target conflicts with forced DMA (drivers/iommu/iommu.c iommu_get_default_domain_type)', () => {
    const env = boot(builtin('mock-untrusted'));
    const before = group(env, 'g0').default_domain;
    expect(store(env, 'identity')).toBe(-EINVAL);
    expect(group(env, 'g0').default_domain).toBe(before);
    expect(showType(env)).toBe('DMA\n');
  });

  test('-EOPNOTSUPP for "identity" on s390 without rtr_avail (no identity domain) (drivers/iommu/iommu.c __iommu_alloc_identity_domain)', () => {
    const env = boot(builtin('s390-ism'));
    expect(store(env, 'identity')).toBe(-EOPNOTSUPP);
    expect(showType(env)).toBe('DMA\n');
  });

  test('"DMA-FQ" set up from identity is demoted to DMA without IOMMU_CAP_DEFERRED_FLUSH (drivers/iommu/dma-iommu.c iommu_dma_init_domain via iommu_setup_dma_ops)', () => {
    const env = boot(
      build([{ name: 'Z' }], {
        iommus: [iommu('s390', { caps: [], max_pasids: 0, rtr_avail: true })],
        kernel: { 'iommu.passthrough': true },
      }),
    );
    expect(showType(env)).toBe('identity\n');
    expect(store(env, 'DMA-FQ')).toBe(6);
    expect(domainOf(env, group(env, 'g0').default_domain).type).toBe(IOMMU_DOMAIN_DMA);
    expect(showType(env)).toBe('DMA\n');
  });

  test('an allocation failure is returned and the old default domain stays (drivers/iommu/iommu.c iommu_setup_default_domain)', () => {
    const env = passthrough();
    const before = group(env, 'g0').default_domain;
    call(env, 'fault_inject', { op: 'domain_alloc_paging' });
    expect(store(env, 'DMA')).toBe(-ENOMEM);
    expect(group(env, 'g0').default_domain).toBe(before);
    expect(showType(env)).toBe('identity\n');
  });

  test('an attach failure restores the old default domain and frees the new one (drivers/iommu/iommu.c iommu_setup_default_domain: err_restore_def_domain)', () => {
    const env = strict();
    const before = group(env, 'g0').default_domain;
    call(env, 'fault_inject', { op: 'attach_dev' });
    expect(store(env, 'identity')).toBe(-ENOMEM);
    const g = group(env, 'g0');
    expect(g.default_domain).toBe(before);
    expect(g.domain).toBe(before);
    expect(domainOf(env, before).type).toBe(IOMMU_DOMAIN_DMA);
  });

  test('an identity request on an identity group reuses the static domain (drivers/iommu/iommu.c __iommu_group_alloc_default_domain)', () => {
    const env = passthrough();
    const before = group(env, 'g0').default_domain;
    expect(store(env, 'identity')).toBe(8);
    expect(group(env, 'g0').default_domain).toBe(before);
  });

  // DISCREPANCY: __iommu_group_alloc_default_domain() starts with
  // "if (group->default_domain && group->default_domain->type == req_type) return
  // group->default_domain;" and iommu_setup_default_domain() then returns 0 without touching the
  // group. The emulator allocates a fresh DMA domain, moves the group to it and frees the old one
  // (losing its IOVA state); the return value is the same.
  test('requesting the current paging type with no driver bound is a no-op that keeps the domain object (drivers/iommu/iommu.c __iommu_group_alloc_default_domain, iommu_setup_default_domain)', () => {
    const env = strict();
    const before = group(env, 'g0').default_domain;
    expect(store(env, 'DMA')).toBe(3);
    expect(group(env, 'g0').default_domain).toBe(before);
  });

  test('require_direct: a new DMA default domain gets the 1:1 region before attach (drivers/iommu/iommu.c iommu_setup_default_domain)', () => {
    const env = boot(builtin('vtd-require-direct'));
    expect(store(env, 'identity')).toBe(8);
    expect(store(env, 'DMA')).toBe(3);
    const pfn = env.cfg.devices[0].direct_pfn;
    expect(iovaToPhysPfn(env.st, group(env, 'g0').default_domain, pfn)).toBe(pfn);
  });
});

describe('iommu_group_store_type (v6.3: iommu_change_dev_def_domain)', () => {
  test('v6.3: -EINVAL for a multi-device group, checked before the driver-bound -EBUSY (drivers/iommu/iommu.c v6.3 iommu_group_store_type: "Group has more than one device")', () => {
    const env = boot(
      build([{ name: 'A' }, { name: 'B' }], {
        kernel: { revision: 'v6.3', 'iommu.strict': true },
      }),
    );
    call(env, 'device_driver_attach', { dev: 'A' });
    expect(store(env, 'identity')).toBe(-EINVAL);
  });

  test('v6.3: -EINVAL for an unknown string before any group check (drivers/iommu/iommu.c v6.3 iommu_group_store_type)', () => {
    expect(store(strict('v6.3'), 'blocked')).toBe(-EINVAL);
  });

  test('v6.3: -EBUSY with a driver bound ("Device is still bound to driver") (drivers/iommu/iommu.c v6.3 iommu_group_store_type)', () => {
    const env = strict('v6.3');
    call(env, 'device_driver_attach', { dev: 'A' });
    expect(store(env, 'identity')).toBe(-EBUSY);
    expect(showType(env)).toBe('DMA\n');
  });

  test('v6.3: the live DMA -> DMA-FQ upgrade is allowed with a driver bound (drivers/iommu/iommu.c v6.3 iommu_change_dev_def_domain)', () => {
    const env = strict('v6.3');
    call(env, 'device_driver_attach', { dev: 'A' });
    const before = group(env, 'g0').default_domain;
    expect(store(env, 'DMA-FQ')).toBe(6);
    expect(group(env, 'g0').default_domain).toBe(before);
    expect(showType(env)).toBe('DMA-FQ\n');
  });

  test('v6.3: "DMA-FQ" on a DMA-FQ group with a driver bound is -EBUSY (drivers/iommu/iommu.c v6.3 iommu_group_store_type)', () => {
    const env = boot(build([{ name: 'A' }], { kernel: { revision: 'v6.3' } }));
    call(env, 'device_driver_attach', { dev: 'A' });
    expect(store(env, 'DMA-FQ')).toBe(-EBUSY);
  });

  test('v6.3: requesting the current type with no driver is a no-op returning the count (drivers/iommu/iommu.c v6.3 iommu_change_dev_def_domain)', () => {
    const env = strict('v6.3');
    const before = group(env, 'g0').default_domain;
    expect(store(env, 'DMA')).toBe(3);
    expect(group(env, 'g0').default_domain).toBe(before);
  });

  test('v6.3: -EBUSY when the group is off its default domain ("Group not assigned to default domain") (drivers/iommu/iommu.c v6.3 iommu_change_dev_def_domain)', () => {
    const env = strict('v6.3');
    const d = allocDomain(env, 'A');
    expect(call(env, 'iommu_attach_device', { domain: d, dev: 'A' })).toBe(0);
    expect(store(env, 'identity')).toBe(-EBUSY);
  });

  test('v6.3: -EINVAL when the request contradicts def_domain_type ("Device cannot be in %s domain") (drivers/iommu/iommu.c v6.3 iommu_change_dev_def_domain)', () => {
    const env = boot(
      build([{ name: 'A', max_pasids: 16 }], {
        iommus: [iommu('amd')],
        kernel: { revision: 'v6.3' },
      }),
    );
    expect(store(env, 'DMA')).toBe(-EINVAL);
    expect(showType(env)).toBe('identity\n');
  });

  test('v6.3: a change with no driver switches the domain and returns the count (drivers/iommu/iommu.c v6.3 iommu_change_dev_def_domain)', () => {
    const env = strict('v6.3');
    expect(store(env, 'identity')).toBe(8);
    expect(showType(env)).toBe('identity\n');
    expect(store(env, 'auto\n')).toBe(5);
    expect(domainOf(env, group(env, 'g0').default_domain).type).toBe(IOMMU_DOMAIN_DMA);
  });

  // DISCREPANCY: in v6.3, iommu_get_def_domain_type(dev) returns IOMMU_DOMAIN_DMA for an
  // untrusted PCI device before asking ops->def_domain_type, so iommu_change_dev_def_domain()
  // refuses "identity" with -EINVAL. The emulator's store_type_v6_3() asks the driver only
  // (mock, SMMUv3, VT-d have no preference) and switches the untrusted device to identity.
  test('v6.3: -EINVAL for "identity" on an untrusted device (iommu_get_def_domain_type returns DMA) (drivers/iommu/iommu.c v6.3 iommu_get_def_domain_type, iommu_change_dev_def_domain)', () => {
    const env = boot(
      build([{ name: 'A', untrusted: true }], {
        kernel: { revision: 'v6.3', 'iommu.passthrough': true },
      }),
    );
    expect(showType(env)).toBe('DMA\n');
    expect(store(env, 'identity')).toBe(-EINVAL);
    expect(showType(env)).toBe('DMA\n');
  });

  // DISCREPANCY: same root cause: for "auto", v6.3 uses dev_def_dom (DMA for an untrusted
  // device) before iommu_def_domain_type, so an untrusted device stays DMA under passthrough.
  // The emulator picks the global IDENTITY.
  test('v6.3: "auto" keeps an untrusted device on DMA under passthrough (drivers/iommu/iommu.c v6.3 iommu_change_dev_def_domain)', () => {
    const env = boot(
      build([{ name: 'A', untrusted: true }], {
        kernel: { revision: 'v6.3', 'iommu.passthrough': true },
      }),
    );
    expect(store(env, 'auto')).toBe(4);
    expect(showType(env)).toBe('DMA\n');
  });

  // DISCREPANCY: same root cause: dev_def_dom is DMA for an untrusted device in v6.3, so a
  // "DMA-FQ" request fails the "type != dev_def_dom" check with -EINVAL before the live upgrade
  // is reached. The emulator (no driver preference for mock) performs the upgrade.
  test('v6.3: "DMA-FQ" on an untrusted device is -EINVAL (type != dev_def_dom comes before the live upgrade) (drivers/iommu/iommu.c v6.3 iommu_change_dev_def_domain)', () => {
    const env = boot(build([{ name: 'A', untrusted: true }], { kernel: { revision: 'v6.3' } }));
    expect(showType(env)).toBe('DMA\n');
    expect(store(env, 'DMA-FQ')).toBe(-EINVAL);
    expect(showType(env)).toBe('DMA\n');
  });

  test('v6.3: "DMA-FQ" on an untrusted AMD device is -EINVAL (amd_iommu_def_domain_type says DMA) (drivers/iommu/iommu.c v6.3 iommu_change_dev_def_domain)', () => {
    const env = boot(
      build([{ name: 'A', untrusted: true }], {
        iommus: [iommu('amd')],
        kernel: { revision: 'v6.3' },
      }),
    );
    expect(store(env, 'DMA-FQ')).toBe(-EINVAL);
    expect(showType(env)).toBe('DMA\n');
  });

  test('v6.3: an untrusted AMD device is refused "identity" (amd_iommu_def_domain_type says DMA) (drivers/iommu/iommu.c v6.3 iommu_change_dev_def_domain)', () => {
    const env = boot(
      build([{ name: 'A', untrusted: true }], {
        iommus: [iommu('amd')],
        kernel: { revision: 'v6.3', 'iommu.passthrough': true },
      }),
    );
    expect(store(env, 'identity')).toBe(-EINVAL);
  });

  test('v6.3: a failing attach restores the previous default domain (drivers/iommu/iommu.c v6.3 iommu_change_dev_def_domain: free_new_domain)', () => {
    const env = strict('v6.3');
    const before = group(env, 'g0').default_domain;
    call(env, 'fault_inject', { op: 'attach_dev' });
    expect(store(env, 'identity')).toBe(-ENOMEM);
    expect(group(env, 'g0').default_domain).toBe(before);
    expect(group(env, 'g0').domain).toBe(before);
  });

  test('newest rules do not apply -EBUSY: the same bound-driver write is -EPERM there (drivers/iommu/iommu.c iommu_group_store_type)', () => {
    const env = strict();
    call(env, 'device_driver_attach', { dev: 'A' });
    expect(store(env, 'identity')).toBe(-EPERM);
    expect(IOMMU_DOMAIN_DMA).toBe(domainOf(env, group(env, 'g0').default_domain).type);
  });
});
