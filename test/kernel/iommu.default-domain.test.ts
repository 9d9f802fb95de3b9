/**
 * Boot: iommu_subsys_init() (iommu.passthrough=, iommu.strict=, Kconfig defaults, memory
 * encryption) and the per-group default-domain choice of iommu_setup_default_domain()
 * (iommu_get_def_domain_type, iommu_get_default_domain_type, iommu_group_alloc_default_domain,
 * iommu_dma_init_domain's silent DMA_FQ -> DMA demotion). One test per rule; each cites the
 * kernel function (drivers/iommu/iommu.c unless stated otherwise).
 */
import { describe, expect, test } from 'vitest';
import {
  IOMMU_DOMAIN_DMA,
  IOMMU_DOMAIN_DMA_FQ,
  IOMMU_DOMAIN_IDENTITY,
} from '../../spec/domain-types.js';
import {
  iommu_get_def_domain_type,
  iommu_get_default_domain_type,
} from '../../src/kernel/iommu.js';
import { iovaToPhysPfn } from '../../src/kernel/iommu-map.js';
import { NO_DOMAIN } from '../../src/kernel/types.js';
import {
  boot,
  build,
  builtin,
  devIndex,
  domainOf,
  group,
  groupIndex,
  iommu,
  showType,
} from '../__helpers__/scenarios.js';

const one = (kernel = {}, dev = {}) => boot(build([{ name: 'A', ...dev }], { kernel }));

describe('iommu_subsys_init: the global default type', () => {
  test('no command line and no Kconfig choice: lazy translated, DMA-FQ (drivers/iommu/iommu.c iommu_subsys_init)', () => {
    const env = one();
    expect(env.st.iommu_def_domain_type).toBe(IOMMU_DOMAIN_DMA_FQ);
    expect(showType(env)).toBe('DMA-FQ\n');
  });

  test('iommu.strict=1 keeps plain DMA, never DMA-FQ (drivers/iommu/iommu.c iommu_dma_setup, iommu_subsys_init)', () => {
    const env = one({ 'iommu.strict': true });
    expect(env.st.iommu_def_domain_type).toBe(IOMMU_DOMAIN_DMA);
    expect(showType(env)).toBe('DMA\n');
  });

  test('CONFIG_IOMMU_DEFAULT_DMA_STRICT selects strict DMA (drivers/iommu/iommu.c iommu_dma_strict initialiser)', () => {
    const env = one({ CONFIG_IOMMU_DEFAULT_DMA_STRICT: true });
    expect(showType(env)).toBe('DMA\n');
  });

  test('iommu.strict=0 on the command line overrides CONFIG_IOMMU_DEFAULT_DMA_STRICT (drivers/iommu/iommu.c iommu_dma_setup)', () => {
    const env = one({ CONFIG_IOMMU_DEFAULT_DMA_STRICT: true, 'iommu.strict': false });
    expect(showType(env)).toBe('DMA-FQ\n');
  });

  test('iommu.passthrough=1 selects IDENTITY (drivers/iommu/iommu.c iommu_set_def_domain_type)', () => {
    const env = one({ 'iommu.passthrough': true });
    expect(env.st.iommu_def_domain_type).toBe(IOMMU_DOMAIN_IDENTITY);
    expect(showType(env)).toBe('identity\n');
  });

  test('CONFIG_IOMMU_DEFAULT_PASSTHROUGH selects IDENTITY when the command line is silent (drivers/iommu/iommu.c iommu_subsys_init)', () => {
    expect(showType(one({ CONFIG_IOMMU_DEFAULT_PASSTHROUGH: true }))).toBe('identity\n');
  });

  test('iommu.passthrough=0 overrides CONFIG_IOMMU_DEFAULT_PASSTHROUGH (drivers/iommu/iommu.c iommu_subsys_init: IOMMU_CMD_LINE_DMA_API)', () => {
    const env = one({ CONFIG_IOMMU_DEFAULT_PASSTHROUGH: true, 'iommu.passthrough': false });
    expect(showType(env)).toBe('DMA-FQ\n');
  });

  test('CC_ATTR_MEM_ENCRYPT overrides a Kconfig passthrough to translated (drivers/iommu/iommu.c iommu_subsys_init: "Memory encryption detected")', () => {
    const env = one({ CONFIG_IOMMU_DEFAULT_PASSTHROUGH: true, CC_ATTR_MEM_ENCRYPT: true });
    expect(env.st.iommu_def_domain_type).toBe(IOMMU_DOMAIN_DMA_FQ);
    expect(showType(env)).toBe('DMA-FQ\n');
  });

  test('CC_ATTR_MEM_ENCRYPT does not override iommu.passthrough=1 given on the command line (drivers/iommu/iommu.c iommu_subsys_init)', () => {
    const env = one({
      CONFIG_IOMMU_DEFAULT_PASSTHROUGH: true,
      CC_ATTR_MEM_ENCRYPT: true,
      'iommu.passthrough': true,
    });
    expect(showType(env)).toBe('identity\n');
  });

  test('CC_ATTR_MEM_ENCRYPT with a strict Kconfig gives plain DMA, not DMA-FQ (drivers/iommu/iommu.c iommu_subsys_init)', () => {
    const env = one({
      CONFIG_IOMMU_DEFAULT_PASSTHROUGH: true,
      CONFIG_IOMMU_DEFAULT_DMA_STRICT: true,
      CC_ATTR_MEM_ENCRYPT: true,
    });
    expect(showType(env)).toBe('DMA\n');
  });
});

describe('iommu_get_default_domain_type: per-group overrides', () => {
  test('an untrusted PCI device is forced to strict DMA under iommu.passthrough=1 (drivers/iommu/iommu.c iommu_get_default_domain_type)', () => {
    const env = one({ 'iommu.passthrough': true }, { untrusted: true });
    expect(showType(env)).toBe('DMA\n');
  });

  test('an untrusted PCI device gets plain DMA, never DMA-FQ, in lazy mode (drivers/iommu/iommu.c iommu_get_default_domain_type)', () => {
    const env = one({ 'iommu.strict': false }, { untrusted: true });
    expect(showType(env)).toBe('DMA\n');
    expect(domainOf(env, group(env, 'g0').default_domain).cookie?.fq).toBeNull();
  });

  test('the untrusted override applies to PCI devices only (dev_is_pci) (drivers/iommu/iommu.c iommu_get_default_domain_type)', () => {
    const env = one({ 'iommu.passthrough': true }, { untrusted: true, pci: false });
    expect(showType(env)).toBe('identity\n');
  });

  test('one untrusted member makes the whole group strict DMA (drivers/iommu/iommu.c iommu_get_default_domain_type)', () => {
    const env = boot(
      build([{ name: 'A' }, { name: 'B', untrusted: true }], {
        kernel: { 'iommu.passthrough': true },
      }),
    );
    expect(showType(env)).toBe('DMA\n');
  });

  test('without CONFIG_IOMMU_DMA the default is IDENTITY whatever the global type (drivers/iommu/iommu.c iommu_get_default_domain_type)', () => {
    const env = one({ CONFIG_IOMMU_DMA: false, 'iommu.strict': true });
    expect(showType(env)).toBe('identity\n');
  });

  test('without CONFIG_IOMMU_DMA a driver asking for DMA is a WARN and no default domain (drivers/iommu/iommu.c iommu_get_default_domain_type)', () => {
    // amd_iommu_def_domain_type() returns DMA for an untrusted device.
    const env = boot(
      build([{ name: 'A', untrusted: true }], {
        iommus: [iommu('amd')],
        kernel: { CONFIG_IOMMU_DMA: false },
      }),
    );
    expect(iommu_get_default_domain_type(env.cfg, env.st, 0, 0)).toBe(-1);
    expect(env.st.warnings.some((w) => w.includes('without CONFIG_IOMMU_DMA'))).toBe(true);
    expect(group(env, 'g0').default_domain).toBe(NO_DOMAIN);
  });

  test('an explicit target that differs from the driver preference is refused (-1) (drivers/iommu/iommu.c iommu_get_default_domain_type)', () => {
    const env = boot(build([{ name: 'A', max_pasids: 16 }], { iommus: [iommu('amd')] }));
    expect(iommu_get_default_domain_type(env.cfg, env.st, 0, IOMMU_DOMAIN_DMA)).toBe(-1);
    expect(iommu_get_default_domain_type(env.cfg, env.st, 0, IOMMU_DOMAIN_IDENTITY)).toBe(
      IOMMU_DOMAIN_IDENTITY,
    );
  });

  test('auto with no driver preference returns 0, meaning "use the global default" (drivers/iommu/iommu.c iommu_get_default_domain_type)', () => {
    const env = one();
    expect(iommu_get_default_domain_type(env.cfg, env.st, 0, 0)).toBe(0);
  });
});

describe('iommu_get_def_domain_type: driver preferences folded across the group', () => {
  const amdGroup = () =>
    boot(
      build(
        [
          { name: 'U', untrusted: true, max_pasids: 0 },
          { name: 'P', max_pasids: 16 },
        ],
        { iommus: [iommu('amd')] },
      ),
    );

  test('AMD asks IDENTITY for a PASID-capable device (drivers/iommu/amd/iommu.c amd_iommu_def_domain_type)', () => {
    const env = boot(build([{ name: 'A', max_pasids: 16 }], { iommus: [iommu('amd')] }));
    expect(showType(env)).toBe('identity\n');
  });

  test('AMD has no preference for a device without PASIDs: the global DMA-FQ applies (drivers/iommu/amd/iommu.c amd_iommu_def_domain_type)', () => {
    const env = boot(build([{ name: 'A', max_pasids: 0 }], { iommus: [iommu('amd')] }));
    expect(showType(env)).toBe('DMA-FQ\n');
  });

  test('AMD does not identity-map PASID devices under CC_ATTR_MEM_ENCRYPT (drivers/iommu/amd/iommu.c amd_iommu_def_domain_type)', () => {
    const env = boot(
      build([{ name: 'A', max_pasids: 16 }], {
        iommus: [iommu('amd')],
        kernel: { CC_ATTR_MEM_ENCRYPT: true },
      }),
    );
    expect(showType(env)).toBe('DMA-FQ\n');
  });

  test('conflicting preferences fold to IDENTITY when IDENTITY comes second (drivers/iommu/iommu.c iommu_get_def_domain_type)', () => {
    const env = amdGroup();
    const g = groupIndex(env, 'g0');
    expect(iommu_get_def_domain_type(env.cfg, g, devIndex(env, 'P'), IOMMU_DOMAIN_DMA)).toBe(
      IOMMU_DOMAIN_IDENTITY,
    );
  });

  test('conflicting preferences keep IDENTITY when IDENTITY came first (drivers/iommu/iommu.c iommu_get_def_domain_type)', () => {
    const env = amdGroup();
    const g = groupIndex(env, 'g0');
    expect(iommu_get_def_domain_type(env.cfg, g, devIndex(env, 'U'), IOMMU_DOMAIN_IDENTITY)).toBe(
      IOMMU_DOMAIN_IDENTITY,
    );
  });

  test('a device without preference keeps the folded type (drivers/iommu/iommu.c iommu_get_def_domain_type)', () => {
    const env = boot(
      build(
        [
          { name: 'P', max_pasids: 16 },
          { name: 'N', max_pasids: 0 },
        ],
        { iommus: [iommu('amd')] },
      ),
    );
    expect(iommu_get_def_domain_type(env.cfg, 0, devIndex(env, 'N'), IOMMU_DOMAIN_IDENTITY)).toBe(
      IOMMU_DOMAIN_IDENTITY,
    );
    expect(showType(env)).toBe('identity\n');
  });

  test('the folded IDENTITY is then refused for the untrusted member: "refusing to probe", no default domain (drivers/iommu/iommu.c iommu_get_default_domain_type)', () => {
    const env = amdGroup();
    expect(iommu_get_default_domain_type(env.cfg, env.st, 0, 0)).toBe(-1);
    expect(group(env, 'g0').default_domain).toBe(NO_DOMAIN);
    expect(showType(env)).toBe('unknown\n');
  });
});

describe('iommu_group_alloc_default_domain and iommu_dma_init_domain', () => {
  test('DMA_FQ is demoted to DMA without IOMMU_CAP_DEFERRED_FLUSH (s390 ISM) (drivers/iommu/dma-iommu.c iommu_dma_init_domain)', () => {
    const env = boot(builtin('s390-ism'));
    expect(env.st.iommu_def_domain_type).toBe(IOMMU_DOMAIN_DMA_FQ);
    const d = domainOf(env, group(env, 'g0').default_domain);
    expect(d.type).toBe(IOMMU_DOMAIN_DMA);
    expect(d.cookie?.fq).toBeNull();
    expect(showType(env)).toBe('DMA\n');
  });

  test('DMA_FQ keeps its flush queue with IOMMU_CAP_DEFERRED_FLUSH (drivers/iommu/dma-iommu.c iommu_dma_init_domain)', () => {
    const env = one();
    const d = domainOf(env, group(env, 'g0').default_domain);
    expect(d.type).toBe(IOMMU_DOMAIN_DMA_FQ);
    expect(d.cookie?.fq).not.toBeNull();
  });

  test('a failing iommu_dma_init_fq() at boot also demotes DMA_FQ to DMA silently (drivers/iommu/dma-iommu.c iommu_dma_init_domain)', () => {
    const env = boot(build([{ name: 'A' }], { faults: [{ op: 'iommu_dma_init_fq', nth: 1 }] }));
    const d = domainOf(env, group(env, 'g0').default_domain);
    expect(d.type).toBe(IOMMU_DOMAIN_DMA);
    expect(d.cookie?.fq).toBeNull();
    expect(env.st.warnings).toEqual([]);
  });

  test('s390 without rtr_avail has no identity domain: passthrough falls back to DMA (drivers/iommu/iommu.c iommu_group_alloc_default_domain, drivers/iommu/s390-iommu.c)', () => {
    const env = boot(
      build([{ name: 'Z', max_pasids: 0 }], {
        iommus: [iommu('s390', { caps: [], max_pasids: 0, rtr_avail: false })],
        kernel: { 'iommu.passthrough': true },
      }),
    );
    expect(env.st.iommu_def_domain_type).toBe(IOMMU_DOMAIN_IDENTITY);
    expect(showType(env)).toBe('DMA\n');
  });

  test('s390 with rtr_avail honours passthrough with its static identity domain (drivers/iommu/s390-iommu.c s390_iommu_rtr_ops)', () => {
    const env = boot(
      build([{ name: 'Z', max_pasids: 0 }], {
        iommus: [iommu('s390', { caps: [], max_pasids: 0, rtr_avail: true })],
        kernel: { 'iommu.passthrough': true },
      }),
    );
    expect(showType(env)).toBe('identity\n');
    expect(domainOf(env, group(env, 'g0').default_domain).is_static).toBe(true);
  });

  test('the default DMA domain is allocated with IOMMU_HWPT_ALLOC_PASID when the first device has PASIDs (drivers/iommu/iommu.c __iommu_group_alloc_default_domain)', () => {
    const env = boot(build([{ name: 'A', max_pasids: 16 }]));
    expect(domainOf(env, group(env, 'g0').default_domain).alloc_pasid).toBe(true);
  });

  test('only the first device decides IOMMU_HWPT_ALLOC_PASID (drivers/iommu/iommu.c __iommu_group_alloc_default_domain: iommu_group_first_dev)', () => {
    const env = boot(
      build([
        { name: 'A', max_pasids: 0 },
        { name: 'B', max_pasids: 16 },
      ]),
    );
    expect(domainOf(env, group(env, 'g0').default_domain).alloc_pasid).toBe(false);
  });

  // DISCREPANCY: newest __iommu_group_alloc_default_domain() retries without
  // IOMMU_HWPT_ALLOC_PASID when the driver answers -EOPNOTSUPP ("If driver does not support
  // PASID feature then try to allocate non-PASID domain"). The emulator's
  // __iommu_group_alloc_default_domain() has no retry, so a PASID-capable device behind a driver
  // without PASID-capable paging domains (the s390 profile here) ends with no default domain.
  test('a driver refusing IOMMU_HWPT_ALLOC_PASID still gets a non-PASID default domain (drivers/iommu/iommu.c __iommu_group_alloc_default_domain)', () => {
    const env = boot(
      build([{ name: 'Z', max_pasids: 16 }], {
        iommus: [iommu('s390', { caps: [], max_pasids: 16, rtr_avail: false })],
      }),
    );
    expect(group(env, 'g0').default_domain).not.toBe(NO_DOMAIN);
    expect(showType(env)).toBe('DMA\n');
  });

  test('IOMMU_RESV_DIRECT regions are mapped 1:1 in the default DMA domain at boot (drivers/iommu/iommu.c iommu_create_device_direct_mappings)', () => {
    const env = boot(builtin('vtd-require-direct'));
    const g = group(env, 'g0');
    const pfn = env.cfg.devices[0].direct_pfn;
    expect(iovaToPhysPfn(env.st, g.default_domain, pfn)).toBe(pfn);
  });

  test('every member ends on the default domain and the DMA ops follow it (drivers/iommu/iommu.c bus_iommu_probe, drivers/iommu/dma-iommu.c iommu_setup_dma_ops)', () => {
    const envT = one();
    expect(group(envT, 'g0').domain).toBe(group(envT, 'g0').default_domain);
    expect(envT.st.devices[0].dma_iommu).toBe(true);
    const envI = one({ 'iommu.passthrough': true });
    expect(envI.st.devices[0].dma_iommu).toBe(false);
  });
});
