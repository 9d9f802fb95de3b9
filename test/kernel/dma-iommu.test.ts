/**
 * The DMA API on top of the core: dma_map_single / dma_unmap_single (drivers/iommu/dma-iommu.c
 * __iommu_dma_map, __iommu_dma_unmap; kernel/dma/direct.h for identity domains),
 * fq_flush_timeout and dma_opt_mapping_size. One test per rule.
 */
import { describe, expect, test } from 'vitest';
import { EFAULT } from '../../spec/errno.js';
import { DMA_MAPPING_ERROR } from '../../src/kernel/dma-iommu.js';
import { iovaToPhysPfn } from '../../src/kernel/iommu-map.js';
import {
  boot,
  build,
  call,
  domainOf,
  type Env,
  group,
  warnCount,
} from '../__helpers__/scenarios.js';

const strict = (dev = {}) =>
  boot(build([{ name: 'A', ...dev }], { kernel: { 'iommu.strict': true } }));
const lazy = () => boot(build([{ name: 'A' }], { kernel: { 'iommu.strict': false } }));

const map = (env: Env, dev = 'A', buf = 'b0') =>
  call(env, 'dma_map_single', { dev, buf, size: 4096 });
const unmap = (env: Env, iova: number, dev = 'A') =>
  call(env, 'dma_unmap_single', { dev, iova, size: 4096 });
const dma = (env: Env, iova: number, dev = 'A') => call(env, 'device_dma', { dev, iova });

describe('dma_map_single', () => {
  test('maps an IOVA in the default DMA domain that translates to the buffer (drivers/iommu/dma-iommu.c __iommu_dma_map)', () => {
    const env = strict();
    const iova = map(env);
    expect(typeof iova).toBe('number');
    const def = group(env, 'g0').default_domain;
    expect(iovaToPhysPfn(env.st, def, (iova as number) / 4096)).toBe(env.cfg.buffers[0].pfn);
    expect(dma(env, iova as number)).toBe('b0');
  });

  test('a PCI device first gets an IOVA below 4 GiB (pci_32bit_workaround) (drivers/iommu/dma-iommu.c iommu_dma_alloc_iova)', () => {
    const env = strict();
    const iova = map(env) as number;
    expect(iova).toBeLessThan(2 ** 32);
    expect(iova).toBeGreaterThan(0);
  });

  test('IOVA 0 is never handed out (base_pfn >= 1) (drivers/iommu/dma-iommu.c iommu_dma_init_domain)', () => {
    const env = strict({ dma_mask_bits: 13 });
    expect(map(env)).toBe(4096);
  });

  test('returns DMA_MAPPING_ERROR when the IOVA space below the DMA mask is exhausted (drivers/iommu/dma-iommu.c __iommu_dma_map)', () => {
    const env = strict({ dma_mask_bits: 13 });
    expect(map(env)).toBe(4096);
    expect(map(env, 'A', 'b1')).toBe(DMA_MAPPING_ERROR);
  });

  test('returns DMA_MAPPING_ERROR when iommu_map fails, and the IOVA is freed at once (drivers/iommu/dma-iommu.c __iommu_dma_map)', () => {
    const env = strict({ dma_mask_bits: 13 });
    call(env, 'fault_inject', { op: 'map_pages' });
    expect(map(env)).toBe(DMA_MAPPING_ERROR);
    expect(env.st.devices[0].maps).toEqual([]);
    // The only IOVA of the device is usable again.
    expect(map(env)).toBe(4096);
  });

  test('with an identity default domain dma-direct returns the physical address (kernel/dma/direct.h dma_direct_map_page)', () => {
    const env = boot(build([{ name: 'A' }], { kernel: { 'iommu.passthrough': true } }));
    expect(map(env)).toBe(env.cfg.buffers[0].pfn * 4096);
  });
});

describe('dma_unmap_single', () => {
  test('strict: the IOTLB is synced and the IOVA is reusable at once (drivers/iommu/dma-iommu.c __iommu_dma_unmap)', () => {
    const env = strict();
    const iova = map(env) as number;
    expect(dma(env, iova)).toBe('b0');
    expect(unmap(env, iova)).toBe(0);
    expect(dma(env, iova)).toBe(-EFAULT);
    expect(map(env, 'A', 'b1')).toBe(iova);
    expect(warnCount(env)).toBe(0);
  });

  test('flush queue: the IOVA is not reused before the queue is flushed (drivers/iommu/dma-iommu.c queue_iova)', () => {
    const env = lazy();
    const iova1 = map(env) as number;
    expect(unmap(env, iova1)).toBe(0);
    const def = domainOf(env, group(env, 'g0').default_domain);
    expect(def.cookie?.fq?.entries).toHaveLength(1);
    const iova2 = map(env, 'A', 'b1');
    expect(iova2).not.toBe(iova1);
  });

  test('unmapping an IOVA that is not mapped WARNs (unmapped != size) (drivers/iommu/dma-iommu.c __iommu_dma_unmap)', () => {
    const env = strict();
    expect(unmap(env, 0x10000000)).toBe(0);
    expect(env.st.warnings).toContain('__iommu_dma_unmap: unmapped != size');
  });

  test('dma-direct has nothing to undo: no WARN (kernel/dma/direct.h dma_direct_unmap_page)', () => {
    const env = boot(build([{ name: 'A' }], { kernel: { 'iommu.passthrough': true } }));
    const phys = map(env) as number;
    expect(unmap(env, phys)).toBe(0);
    expect(env.st.devices[0].maps).toEqual([]);
    expect(warnCount(env)).toBe(0);
  });
});

describe('fq_flush_timeout', () => {
  test('the timer flushes the IOTLB and returns the queued IOVAs for reuse (drivers/iommu/dma-iommu.c fq_flush_timeout)', () => {
    const env = lazy();
    const iova1 = map(env) as number;
    unmap(env, iova1);
    const def = domainOf(env, group(env, 'g0').default_domain);
    expect(def.cookie?.fq?.fq_timer_on).toBe(true);
    expect(call(env, 'fq_flush_timeout', { group: 'g0' })).toBe(0);
    expect(def.cookie?.fq?.entries).toEqual([]);
    expect(def.cookie?.fq?.fq_timer_on).toBe(false);
    expect(map(env, 'A', 'b1')).toBe(iova1);
  });

  test("with a group only that group's queue is flushed (drivers/iommu/dma-iommu.c fq_flush_timeout)", () => {
    const env = boot(
      build(
        [
          { name: 'A', group: 'ga' },
          { name: 'B', group: 'gb' },
        ],
        { kernel: { 'iommu.strict': false } },
      ),
    );
    unmap(env, map(env, 'A') as number, 'A');
    unmap(env, map(env, 'B') as number, 'B');
    call(env, 'fq_flush_timeout', { group: 'ga' });
    expect(domainOf(env, group(env, 'ga').default_domain).cookie?.fq?.entries).toEqual([]);
    expect(domainOf(env, group(env, 'gb').default_domain).cookie?.fq?.entries).toHaveLength(1);
  });

  test('a timeout with nothing queued changes nothing (drivers/iommu/dma-iommu.c fq_flush_timeout)', () => {
    const env = lazy();
    const before = JSON.stringify(env.st);
    expect(call(env, 'fq_flush_timeout', {})).toBe(0);
    expect(JSON.stringify(env.st)).toBe(before);
  });
});

describe('dma_opt_mapping_size', () => {
  test('IOMMU DMA ops: iova_rcache_range(), 128 KiB with 4 KiB pages (drivers/iommu/dma-iommu.c iommu_dma_opt_mapping_size)', () => {
    expect(call(strict(), 'dma_opt_mapping_size', { dev: 'A' })).toBe(131072);
  });

  test('dma-direct has no preference: SIZE_MAX (kernel/dma/mapping.c dma_opt_mapping_size)', () => {
    const env = boot(build([{ name: 'A' }], { kernel: { 'iommu.passthrough': true } }));
    expect(call(env, 'dma_opt_mapping_size', { dev: 'A' })).toBe('SIZE_MAX');
  });
});
