/**
 * Default-domain type selection (machines/rules/iommu.ts), each rule named after the kernel
 * function it states (drivers/iommu/iommu.c, dma-iommu.c; docs/kernel/03-default-domain.md §3,
 * docs/kernel/04-sysfs-type.md §4).
 */
import { describe, expect, test } from 'vitest';
import { topologyOf } from '../../../machines/router/topology.js';
import {
  allocDefaultDomain,
  bootDefaultType,
  dmaInitType,
  driverPreference,
  globalDefaultDomainType,
  legacyDeviceDefDomainType,
  parseSysfsType,
  requestedDomainType,
} from '../../../machines/rules/iommu.js';
import {
  IOMMU_DOMAIN_DMA,
  IOMMU_DOMAIN_DMA_FQ,
  IOMMU_DOMAIN_IDENTITY,
} from '../../../spec/domain-types.js';
import { EINVAL, ENOMEM, EOPNOTSUPP } from '../../../spec/errno.js';
import { parseScenario } from '../../../spec/parse.js';
import type { Scenario } from '../../../spec/scenario.js';

type Dev = Record<string, unknown>;
function topo(
  kernel: Record<string, unknown>,
  devices: Dev[],
  iommu: Record<string, unknown> = {
    name: 'm0',
    driver: 'mock',
    caps: ['IOMMU_CAP_DEFERRED_FLUSH'],
  },
) {
  const r = parseScenario({
    name: 't',
    kernel,
    iommus: [iommu],
    devices: devices.map((d, i) => ({ name: `d${i}`, iommu: iommu.name, group: 'g0', ...d })),
  });
  if (!r.ok) throw new Error(`${r.where}: ${r.message}`);
  return topologyOf(r.value);
}
const kernel = (k: Record<string, unknown>): Scenario['kernel'] => {
  const r = parseScenario({
    name: 't',
    kernel: k,
    iommus: [{ name: 'm', driver: 'mock' }],
    devices: [{ name: 'd', iommu: 'm', group: 'g' }],
  });
  if (!r.ok) throw new Error(r.message);
  return r.value.kernel;
};

describe('iommu_subsys_init: the global default', () => {
  test.each([
    [{}, IOMMU_DOMAIN_DMA_FQ],
    [{ 'iommu.strict': true }, IOMMU_DOMAIN_DMA],
    [{ CONFIG_IOMMU_DEFAULT_DMA_STRICT: true }, IOMMU_DOMAIN_DMA],
    [{ 'iommu.passthrough': true }, IOMMU_DOMAIN_IDENTITY],
    [{ CONFIG_IOMMU_DEFAULT_PASSTHROUGH: true }, IOMMU_DOMAIN_IDENTITY],
    // Kconfig passthrough is overridden by memory encryption; the command line is not.
    [{ CONFIG_IOMMU_DEFAULT_PASSTHROUGH: true, CC_ATTR_MEM_ENCRYPT: true }, IOMMU_DOMAIN_DMA_FQ],
    [{ 'iommu.passthrough': true, CC_ATTR_MEM_ENCRYPT: true }, IOMMU_DOMAIN_IDENTITY],
  ])('%j -> %i', (k, type) => {
    expect(globalDefaultDomainType(kernel(k))).toBe(type);
  });
});

describe('iommu_get_default_domain_type: driver preference and overrides', () => {
  const amd = { name: 'a0', driver: 'amd', caps: [], max_pasids: 16 };
  test('conflicting def_domain_type answers: IDENTITY wins', () => {
    // AMD: DMA for the untrusted function, IDENTITY for the PASID-capable one.
    const t = topo({}, [{ untrusted: true }, { max_pasids: 16 }], amd);
    expect(driverPreference(t, 0)).toBe(IOMMU_DOMAIN_IDENTITY);
  });
  test('an untrusted device refuses a driver asking for anything but DMA (-1)', () => {
    const t = topo({}, [{ untrusted: true }, { max_pasids: 16 }], amd);
    expect(requestedDomainType(t, 0, 0)).toBe(-1);
  });
  test('an untrusted device forces DMA, and an explicit target must agree', () => {
    const t = topo({}, [{ untrusted: true }]);
    expect(requestedDomainType(t, 0, 0)).toBe(IOMMU_DOMAIN_DMA);
    expect(requestedDomainType(t, 0, IOMMU_DOMAIN_IDENTITY)).toBe(-1);
    expect(requestedDomainType(t, 0, IOMMU_DOMAIN_DMA)).toBe(IOMMU_DOMAIN_DMA);
  });
  test('without CONFIG_IOMMU_DMA: IDENTITY, and a DMA request is refused', () => {
    expect(requestedDomainType(topo({ CONFIG_IOMMU_DMA: false }, [{}]), 0, 0)).toBe(
      IOMMU_DOMAIN_IDENTITY,
    );
    expect(
      requestedDomainType(topo({ CONFIG_IOMMU_DMA: false }, [{ untrusted: true }]), 0, 0),
    ).toBe(-1);
  });
  test('v6.3 iommu_get_def_domain_type(dev): DMA for an untrusted device before the driver', () => {
    expect(legacyDeviceDefDomainType(topo({}, [{ untrusted: true }]), 0)).toBe(IOMMU_DOMAIN_DMA);
    expect(legacyDeviceDefDomainType(topo({}, [{}]), 0)).toBe(0);
  });
});

describe('iommu_group_alloc_default_domain and iommu_dma_init_domain', () => {
  const s390 = { name: 'z', driver: 's390', caps: [], rtr_avail: false };
  test('identity cannot be allocated without an identity domain: -EOPNOTSUPP', () => {
    const t = topo({}, [{}], s390);
    expect(allocDefaultDomain(t, 0, IOMMU_DOMAIN_IDENTITY, -1, []).errno).toBe(-EOPNOTSUPP);
  });
  test('auto falls back from a failing global default to DMA', () => {
    const t = topo({ 'iommu.passthrough': true }, [{}], s390);
    expect(allocDefaultDomain(t, 0, 0, -1, [])).toMatchObject({ errno: 0, type: IOMMU_DOMAIN_DMA });
    const faulted = allocDefaultDomain(topo({}, [{}]), 0, 0, -1, ['domain_alloc_paging']);
    expect(faulted).toMatchObject({
      errno: 0,
      type: IOMMU_DOMAIN_DMA,
      consumes: ['domain_alloc_paging'],
    });
  });
  test('no fallback when the global default is already DMA: -EINVAL', () => {
    const r = allocDefaultDomain(topo({ 'iommu.strict': true }, [{}]), 0, 0, -1, [
      'domain_alloc_paging',
    ]);
    expect(r.errno).toBe(-EINVAL);
    expect(
      allocDefaultDomain(topo({}, [{}]), 0, IOMMU_DOMAIN_DMA, -1, ['domain_alloc_paging']).errno,
    ).toBe(-ENOMEM);
  });
  test('a default domain that already has the type is reused', () => {
    const r = allocDefaultDomain(topo({}, [{}]), 0, IOMMU_DOMAIN_DMA, IOMMU_DOMAIN_DMA, [
      'domain_alloc_paging',
    ]);
    expect(r).toMatchObject({ errno: 0, reused: true, consumes: [] });
  });
  test('DMA_FQ is demoted to DMA without IOMMU_CAP_DEFERRED_FLUSH or when the queue fails', () => {
    expect(dmaInitType(topo({}, [{}], s390), 0, IOMMU_DOMAIN_DMA_FQ, []).type).toBe(
      IOMMU_DOMAIN_DMA,
    );
    const fq = dmaInitType(topo({}, [{}]), 0, IOMMU_DOMAIN_DMA_FQ, ['iommu_dma_init_fq']);
    expect(fq).toEqual({ type: IOMMU_DOMAIN_DMA, consumes: ['iommu_dma_init_fq'] });
    expect(dmaInitType(topo({}, [{}]), 0, IOMMU_DOMAIN_DMA_FQ, []).type).toBe(IOMMU_DOMAIN_DMA_FQ);
  });
  test('boot: strict DMA for an untrusted device under passthrough; DMA for s390 ISM', () => {
    expect(bootDefaultType(topo({ 'iommu.passthrough': true }, [{ untrusted: true }]), 0)).toBe(
      'DMA',
    );
    expect(bootDefaultType(topo({ 'iommu.strict': false }, [{}], s390), 0)).toBe('DMA');
    expect(bootDefaultType(topo({ CONFIG_IOMMU_DMA: false }, [{ untrusted: true }]), 0)).toBe(
      'NONE',
    );
  });
});

test('sysfs_streq: one trailing newline is ignored; anything else is unknown', () => {
  expect(parseSysfsType('DMA-FQ\n')).toBe(IOMMU_DOMAIN_DMA_FQ);
  expect(parseSysfsType('auto')).toBe(0);
  expect(parseSysfsType('blocked')).toBeNull();
  expect(parseSysfsType('DMA\n\n')).toBeNull();
});
