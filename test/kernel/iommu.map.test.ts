/**
 * The IOMMU API on UNMANAGED domains: iommu_map, iommu_unmap, iommu_unmap_fast, iommu_iotlb_sync
 * and iommu_iova_to_phys (drivers/iommu/iommu.c; include/linux/iommu.h iommu_iotlb_sync).
 * One test per rule.
 */
import { describe, expect, test } from 'vitest';
import { EEXIST, EFAULT, EINVAL, ENOMEM } from '../../spec/errno.js';
import {
  allocDomain,
  boot,
  build,
  call,
  domainOf,
  type Env,
  MOCK_IOMMU,
  warnCount,
} from '../__helpers__/scenarios.js';

const PAGE = 4096;
const IOVA = 0x10000;

/** One mock device with an UNMANAGED domain attached to its RID. */
function attached(caps: ('IOMMU_CAP_DEFERRED_FLUSH' | 'IOMMU_CAP_CACHE_COHERENCY')[] = []) {
  const env = boot(
    build([{ name: 'A' }], {
      kernel: { 'iommu.strict': true },
      iommus: [{ ...MOCK_IOMMU, caps: caps.length ? caps : ['IOMMU_CAP_DEFERRED_FLUSH'] }],
    }),
  );
  const d = allocDomain(env, 'A');
  expect(call(env, 'iommu_attach_device', { domain: d, dev: 'A' })).toBe(0);
  return { env, d };
}

const map = (env: Env, domain: number, iova = IOVA, size = PAGE, buf = 'b0') =>
  call(env, 'iommu_map', { domain, iova, size, buf });
const phys = (env: Env, domain: number, iova: number) =>
  call(env, 'iommu_iova_to_phys', { domain, iova });
const dma = (env: Env, iova = IOVA) => call(env, 'device_dma', { dev: 'A', iova });

describe('iommu_map', () => {
  test('maps an aligned range that then translates to the buffer (drivers/iommu/iommu.c iommu_map)', () => {
    const { env, d } = attached();
    expect(map(env, d)).toBe(0);
    expect(phys(env, d, IOVA)).toBe(env.cfg.buffers[0].pfn * PAGE);
    expect(dma(env)).toBe('b0');
  });

  test('-EINVAL for a non-paging (identity) domain (drivers/iommu/iommu.c iommu_map_nosync)', () => {
    const env = boot(build([{ name: 'A' }], { kernel: { 'iommu.passthrough': true } }));
    const id = call(env, 'iommu_get_domain_for_dev', { dev: 'A' }) as number;
    expect(map(env, id)).toBe(-EINVAL);
    expect(domainOf(env, id).pgtable).toEqual([]);
  });

  test('-EINVAL for an IOVA not aligned to the smallest page size (drivers/iommu/iommu.c iommu_map_nosync: "unaligned")', () => {
    const { env, d } = attached();
    expect(map(env, d, IOVA + 0x800)).toBe(-EINVAL);
    expect(domainOf(env, d).pgtable).toEqual([]);
  });

  test('-EINVAL for a size not aligned to the smallest page size (drivers/iommu/iommu.c iommu_map_nosync)', () => {
    const { env, d } = attached();
    expect(map(env, d, IOVA, PAGE + 1)).toBe(-EINVAL);
  });

  test('-EEXIST with a WARN for an IOVA that is already mapped; the first mapping stays (io-pgtable __arm_lpae_map via drivers/iommu/iommu.c iommu_map)', () => {
    const { env, d } = attached();
    expect(map(env, d)).toBe(0);
    expect(map(env, d, IOVA, PAGE, 'b1')).toBe(-EEXIST);
    expect(warnCount(env)).toBe(1);
    expect(phys(env, d, IOVA)).toBe(env.cfg.buffers[0].pfn * PAGE);
  });

  test('a failing map_pages is returned and nothing stays mapped (drivers/iommu/iommu.c iommu_map_nosync: unroll)', () => {
    const { env, d } = attached();
    call(env, 'fault_inject', { op: 'map_pages' });
    expect(map(env, d, IOVA, 2 * PAGE)).toBe(-ENOMEM);
    expect(domainOf(env, d).pgtable).toEqual([]);
    expect(phys(env, d, IOVA)).toBe(0);
  });
});

describe('iommu_unmap and iommu_unmap_fast', () => {
  test('iommu_unmap returns the bytes unmapped (drivers/iommu/iommu.c iommu_unmap)', () => {
    const { env, d } = attached();
    map(env, d, IOVA, 2 * PAGE);
    expect(call(env, 'iommu_unmap', { domain: d, iova: IOVA, size: 2 * PAGE })).toBe(2 * PAGE);
    expect(phys(env, d, IOVA)).toBe(0);
  });

  test('iommu_unmap stops at the first hole (drivers/iommu/iommu.c __iommu_unmap)', () => {
    const { env, d } = attached();
    map(env, d, IOVA, PAGE);
    expect(call(env, 'iommu_unmap', { domain: d, iova: IOVA, size: 2 * PAGE })).toBe(PAGE);
  });

  test('iommu_unmap of an unmapped range returns 0 (drivers/iommu/iommu.c __iommu_unmap)', () => {
    const { env, d } = attached();
    expect(call(env, 'iommu_unmap', { domain: d, iova: IOVA, size: PAGE })).toBe(0);
  });

  test('iommu_unmap of an unaligned range returns 0 and unmaps nothing (drivers/iommu/iommu.c __iommu_unmap: "unaligned")', () => {
    const { env, d } = attached();
    map(env, d);
    expect(call(env, 'iommu_unmap', { domain: d, iova: IOVA + 1, size: PAGE })).toBe(0);
    expect(phys(env, d, IOVA)).not.toBe(0);
  });

  test('iommu_unmap on a non-paging domain returns 0 (drivers/iommu/iommu.c __iommu_unmap)', () => {
    const env = boot(build([{ name: 'A' }], { kernel: { 'iommu.passthrough': true } }));
    const id = call(env, 'iommu_get_domain_for_dev', { dev: 'A' }) as number;
    expect(call(env, 'iommu_unmap', { domain: id, iova: IOVA, size: PAGE })).toBe(0);
  });

  test('iommu_unmap is synchronous: the device faults right after it (drivers/iommu/iommu.c iommu_unmap)', () => {
    const { env, d } = attached();
    map(env, d);
    expect(dma(env)).toBe('b0');
    call(env, 'iommu_unmap', { domain: d, iova: IOVA, size: PAGE });
    expect(dma(env)).toBe(-EFAULT);
  });

  test('iommu_unmap_fast leaves the IOTLB to the caller until iommu_iotlb_sync (IOMMU_CAP_DEFERRED_FLUSH) (drivers/iommu/iommu.c iommu_unmap_fast)', () => {
    const { env, d } = attached();
    map(env, d);
    expect(dma(env)).toBe('b0');
    expect(call(env, 'iommu_unmap_fast', { domain: d, iova: IOVA, size: PAGE })).toBe(PAGE);
    expect(domainOf(env, d).gather).toHaveLength(1);
    // The stale IOTLB entry still translates: legal until the caller syncs.
    expect(dma(env)).toBe('b0');
    expect(call(env, 'iommu_iotlb_sync', { domain: d })).toBe(0);
    expect(domainOf(env, d).gather).toEqual([]);
    expect(dma(env)).toBe(-EFAULT);
  });

  test('a driver without IOMMU_CAP_DEFERRED_FLUSH invalidates inside .unmap (include/linux/iommu.h enum iommu_cap)', () => {
    const { env, d } = attached(['IOMMU_CAP_CACHE_COHERENCY']);
    map(env, d);
    expect(dma(env)).toBe('b0');
    call(env, 'iommu_unmap_fast', { domain: d, iova: IOVA, size: PAGE });
    expect(dma(env)).toBe(-EFAULT);
  });
});

describe('iommu_iova_to_phys', () => {
  test('keeps the offset within the page (drivers/iommu/iommu.c iommu_iova_to_phys)', () => {
    const { env, d } = attached();
    map(env, d);
    expect(phys(env, d, IOVA + 0x123)).toBe(env.cfg.buffers[0].pfn * PAGE + 0x123);
  });

  test('returns 0 for an unmapped IOVA (drivers/iommu/iommu.c iommu_iova_to_phys)', () => {
    const { env, d } = attached();
    expect(phys(env, d, IOVA)).toBe(0);
  });

  test('an IDENTITY domain returns the IOVA itself (drivers/iommu/iommu.c iommu_iova_to_phys)', () => {
    const env = boot(build([{ name: 'A' }], { kernel: { 'iommu.passthrough': true } }));
    const id = call(env, 'iommu_get_domain_for_dev', { dev: 'A' }) as number;
    expect(phys(env, id, 0xabcde)).toBe(0xabcde);
  });

  test('a BLOCKED domain returns 0 (drivers/iommu/iommu.c iommu_iova_to_phys)', () => {
    const env = boot(build([{ name: 'A' }], { kernel: { 'iommu.strict': true } }));
    call(env, 'iommu_group_claim_dma_owner', { group: 'g0', owner: 'vfio' });
    const blocked = call(env, 'iommu_get_domain_for_dev', { dev: 'A' }) as number;
    expect(phys(env, blocked, 0xabcde)).toBe(0);
  });
});
