/**
 * The core under a broken caller contract (src/check/core/no-contract.ts, `explore --no-contract`):
 * every call the contract refuses is made once per spec state; the emulator never throws, and
 * each outcome is classified as an errno, a WARN site, another invariant or a documented
 * undefined behaviour that ends the path.
 */
import { describe, expect, test } from 'vitest';
import { createSpecModel } from '../../../machines/router/kernel.js';
import { exploreNoContract, warnSite } from '../../../src/check/core/no-contract.js';
import { iommu_sva_bind_device, iommu_sva_unbind_device } from '../../../src/kernel/iommu-sva.js';
import { UNDEFINED_PREFIX } from '../../../src/kernel/warn.js';
import { boot, builtin } from '../../__helpers__/scenarios.js';

const run = (name: string) => {
  const sc = builtin(name);
  return exploreNoContract(sc, { spec: createSpecModel(sc), scenarioRef: name });
};

describe('explore --no-contract', () => {
  test('vtd-sva: a double unbind is a reported undefined behaviour, not a thrown TypeError', () => {
    const r = run('vtd-sva');
    expect(r.thrown).toEqual([]);
    expect(r.legalStates).toBe(135);
    expect(r.callerBugPaths).toBeGreaterThan(0);
    const ub = r.undefinedBehaviours.find((o) => o.calls.includes('iommu_sva_unbind_device'));
    expect(ub?.kind).toContain('double free');
    // The path ends at the undefined call: the last step of its trace is the unbind.
    expect(ub?.trace.steps.at(-1)?.call).toBe('iommu_sva_unbind_device');
    // Releasing ownership nobody claimed reaches the WARN in __iommu_release_dma_ownership.
    expect(r.warnSites.map((w) => w.kind)).toContain(
      '__iommu_release_dma_ownership: inconsistent ownership',
    );
  });

  test('vtd-pasid: errnos, WARN sites grouped by site, double free and use after free', () => {
    const r = run('vtd-pasid');
    expect(r.thrown).toEqual([]);
    expect(r.errnos.map((o) => o.kind)).toContain('errno -16 (-EBUSY)');
    const sites = r.warnSites.map((w) => w.kind);
    expect(sites).toContain('ida_free: id=%d is not allocated');
    expect(sites.filter((s) => s.startsWith('ida_free'))).toHaveLength(1);
    const ubs = r.undefinedBehaviours.map((o) => o.kind);
    expect(ubs).toContain('iommu_domain_free of a domain the caller already freed (double free)');
    expect(ubs.some((k) => k.startsWith('iommu_domain_free of a domain still attached'))).toBe(
      true,
    );
  });

  test('a contract-respecting run reports no caller bug on a scenario whose contract refuses nothing it offers', () => {
    const r = run('mock-untrusted');
    expect(r.thrown).toEqual([]);
    expect(r.legalStates).toBe(6);
    expect(r.warnSites).toEqual([]);
    expect(r.undefinedBehaviours).toEqual([]);
  });

  test('WARN sites drop the values', () => {
    expect(warnSite('ida_free: id=3 is not allocated')).toBe('ida_free: id=%d is not allocated');
  });
});

describe('the emulator never throws on an undefined call', () => {
  test('iommu_sva_unbind_device twice records the double free and returns', () => {
    const env = boot(builtin('vtd-sva'));
    expect(iommu_sva_bind_device(env.cfg, env.st, 0, 0, 'h')).toBe('h');
    expect(iommu_sva_unbind_device(env.cfg, env.st, 'h')).toBe(0);
    expect(env.st.warnings).toEqual([]);
    expect(iommu_sva_unbind_device(env.cfg, env.st, 'h')).toBe(0);
    expect(env.st.warnings).toEqual([
      `${UNDEFINED_PREFIX}iommu_sva_unbind_device: handle h is not bound (double free)`,
    ]);
  });
});
