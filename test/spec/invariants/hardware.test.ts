/** Hardware-table invariants (spec/invariants/hardware.ts) on hand-made observations. */
import { describe, expect, test } from 'vitest';
import { HitlessEntryUpdate, NoWarningFired } from '../../../spec/invariants/hardware.js';
import { makeObs } from '../../__helpers__/observation.js';

describe('HitlessEntryUpdate', () => {
  test('fires on an STE that is neither old nor new between syncs', () => {
    expect(
      HitlessEntryUpdate.holds(
        makeObs({ hw_updates: [{ iommu: 0, dev: 1, ssid: -1, safe: false }] }),
      ),
    ).toBe('IOMMU 0: device 1 STE is neither old nor new between syncs');
  });
  test('fires on a CD, naming the SSID', () => {
    expect(
      HitlessEntryUpdate.holds(
        makeObs({ hw_updates: [{ iommu: 0, dev: 0, ssid: 3, safe: false }] }),
      ),
    ).toBe('IOMMU 0: device 0 CD 3 is neither old nor new between syncs');
  });
  test('holds on a safe update in flight', () => {
    expect(
      HitlessEntryUpdate.holds(
        makeObs({ hw_updates: [{ iommu: 0, dev: 0, ssid: -1, safe: true }] }),
      ),
    ).toBeNull();
  });
});

describe('NoWarningFired', () => {
  test('fires on the first WARN, counting the others', () => {
    expect(
      NoWarningFired.holds(makeObs({ warnings: ['ida_free: id=3 is not allocated', 'x: y'] })),
    ).toBe('WARN: ida_free: id=3 is not allocated (and 1 more)');
  });
  test('holds with none', () => {
    expect(NoWarningFired.holds(makeObs({ warnings: [] }))).toBeNull();
  });
});
