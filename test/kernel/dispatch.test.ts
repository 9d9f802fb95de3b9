/**
 * src/kernel/dispatch.ts: the emulator modules' entry-point tables together name every call of
 * spec/calls.ts exactly once (a missing call fails to compile; a call in two tables would let
 * one silently shadow the other), and each table lives with the module that mirrors it.
 */
import { describe, expect, test } from 'vitest';
import { CALL_NAMES } from '../../spec/calls.js';
import { ENTRY_POINT_TABLES } from '../../src/kernel/dispatch.js';

describe('entry-point tables', () => {
  test('every call of the vocabulary is in exactly one table', () => {
    const owners = new Map<string, string[]>();
    for (const [module, table] of Object.entries(ENTRY_POINT_TABLES))
      for (const call of Object.keys(table))
        owners.set(call, [...(owners.get(call) ?? []), module]);
    const twice = [...owners].filter(([, m]) => m.length > 1);
    expect(twice).toEqual([]);
    expect([...owners.keys()].sort()).toEqual([...CALL_NAMES].sort());
  });

  test('the IOMMU API calls are mirrored by the iommu.c modules, the SVA calls by iommu-sva.ts', () => {
    expect(Object.keys(ENTRY_POINT_TABLES['iommu.ts'])).toContain('iommu_attach_device_pasid');
    expect(Object.keys(ENTRY_POINT_TABLES['iommu-map.ts'])).toContain('iommu_map');
    expect(Object.keys(ENTRY_POINT_TABLES['iommu-sva.ts'])).toContain('iommu_sva_bind_device');
    expect(Object.keys(ENTRY_POINT_TABLES['dma-iommu.ts'])).toContain('dma_map_single');
  });
});
