/**
 * A scenario as a QEMU machine (src/conform/machine.ts): the IOMMU device, the PCI placement that
 * gives the scenario's groups, the kernel command line, and every unexpressible feature named.
 */
import { describe, expect, test } from 'vitest';
import { parseScenario } from '../../spec/parse.js';
import type { Scenario } from '../../spec/scenario.js';
import { describeMachine, scenarioUnsupported } from '../../src/conform/machine.js';

function scenario(over: Record<string, unknown> = {}): Scenario {
  const r = parseScenario({
    name: 't',
    iommus: [{ name: 'dmar0', driver: 'intel-vtd', caps: ['IOMMU_CAP_DEFERRED_FLUSH'] }],
    devices: [
      { name: '0000:00:03.0', iommu: 'dmar0', group: 'g0' },
      { name: '0000:00:04.0', iommu: 'dmar0', group: 'g1' },
      { name: '0000:00:04.1', iommu: 'dmar0', group: 'g1' },
    ],
    buffers: [{ name: 'b0', size: 4096 }],
    ...over,
  });
  if (!r.ok) throw new Error(JSON.stringify(r));
  return r.value;
}

function machine(sc: Scenario, kernel: '6.12' | '6.1' = '6.12') {
  const m = describeMachine(sc, kernel);
  if (!m.ok) throw new Error(m.unsupported.join('; '));
  return m.machine;
}

describe('describeMachine', () => {
  test('VT-d: q35 with split irqchip, intel-iommu without caching mode, intel_iommu=on', () => {
    const m = machine(scenario());
    const a = m.qemuArgs.join(' ');
    expect(a).toContain('-M q35,kernel-irqchip=split');
    expect(a).toContain('-device intel-iommu,intremap=on,caching-mode=off');
    expect(m.append.split(' ')).toContain('intel_iommu=on');
    expect(m.append).not.toContain('iommu.strict');
  });

  test("the scenario's caching_mode switches QEMU's caching mode on", () => {
    const sc = scenario({
      iommus: [
        {
          name: 'dmar0',
          driver: 'intel-vtd',
          caps: ['IOMMU_CAP_DEFERRED_FLUSH'],
          caching_mode: true,
        },
      ],
    });
    expect(machine(sc).qemuArgs).toContain('intel-iommu,intremap=on,caching-mode=on');
  });

  test('BDF names that fit keep their address; a shared group is one multi-function slot', () => {
    const m = machine(scenario());
    expect(m.devices.map((d) => d.bdf)).toEqual(['0000:00:03.0', '0000:00:04.0', '0000:00:04.1']);
    const devs = m.qemuArgs.filter((x) => x.startsWith('pci-serial'));
    expect(devs).toEqual([
      'pci-serial,chardev=c0,addr=03.0',
      'pci-serial,chardev=c1,addr=04.0,multifunction=on',
      'pci-serial,chardev=c2,addr=04.1',
    ]);
    expect(m.devices.every((d) => d.driver === 'serial')).toBe(true);
  });

  test('names that are not usable addresses: one slot per group, functions in order', () => {
    const sc = scenario({
      devices: [
        { name: 'gpu', iommu: 'dmar0', group: 'a' },
        { name: 'nic', iommu: 'dmar0', group: 'b' },
        { name: 'audio', iommu: 'dmar0', group: 'a' },
      ],
    });
    expect(machine(sc).devices.map((d) => `${d.name}@${d.bdf}`)).toEqual([
      'gpu@0000:00:01.0',
      'nic@0000:00:02.0',
      'audio@0000:00:01.1',
    ]);
  });

  test('two groups named into one slot are re-placed, not merged', () => {
    const sc = scenario({
      devices: [
        { name: '0000:00:04.0', iommu: 'dmar0', group: 'g0' },
        { name: '0000:00:04.1', iommu: 'dmar0', group: 'g1' },
      ],
    });
    const slots = machine(sc).devices.map((d) => d.bdf.slice(0, 10));
    expect(new Set(slots).size).toBe(2);
  });

  test('kernel fields become the command line', () => {
    const sc = scenario({
      kernel: { 'iommu.strict': true, 'iommu.passthrough': false, 'iommu.forcedac': true },
    });
    const a = machine(sc).append.split(' ');
    expect(a).toEqual(
      expect.arrayContaining(['iommu.strict=1', 'iommu.passthrough=0', 'iommu.forcedac=1']),
    );
  });

  test('AMD maps to amd-iommu', () => {
    const sc = scenario({
      kernel: { 'iommu.strict': true },
      iommus: [{ name: 'ivhd0', driver: 'amd' }],
      devices: [{ name: '0000:00:03.0', iommu: 'ivhd0', group: 'g0' }],
    });
    expect(machine(sc).qemuArgs).toContain('amd-iommu');
    // QEMU's AMD IOMMU forces strict mode: a lazy AMD scenario cannot be expressed
    const lazy = { ...sc, kernel: { ...sc.kernel, 'iommu.strict': undefined } };
    expect(scenarioUnsupported(lazy, '6.12').join()).toMatch(/NpCache/);
  });
});

describe('scenarioUnsupported', () => {
  test('a clean VT-d scenario has nothing unsupported', () => {
    expect(scenarioUnsupported(scenario(), '6.12')).toEqual([]);
  });

  test.each([
    ['untrusted', { untrusted: true }, /untrusted/],
    ['require_direct', { require_direct: true }, /require_direct/],
    ['PASID', { max_pasids: 16 }, /PASID capability/],
    ['non-PCI', { pci: false }, /non-PCI/],
  ])('%s devices are named', (_n, over, re) => {
    const sc = scenario({ devices: [{ name: 'd', iommu: 'dmar0', group: 'g', ...over }] });
    const u = scenarioUnsupported(sc, '6.12');
    expect(u).toHaveLength(1);
    expect(u[0]).toMatch(re);
    expect(describeMachine(sc, '6.12').ok).toBe(false);
  });

  test('SMMUv3, two IOMMUs, faults and the Kconfig defaults are named', () => {
    const sc = scenario({
      iommus: [
        { name: 'smmu0', driver: 'arm-smmu-v3' },
        { name: 'dmar0', driver: 'intel-vtd', caps: ['IOMMU_CAP_DEFERRED_FLUSH'] },
      ],
      faults: [{ op: 'attach_dev', nth: 1 }],
      kernel: { CONFIG_IOMMU_DEFAULT_DMA_STRICT: true },
    });
    const u = scenarioUnsupported(sc, '6.12').join('\n');
    expect(u).toMatch(/2 IOMMUs/);
    expect(u).toMatch(/arm-smmu-v3 needs qemu-system-aarch64/);
    expect(u).toMatch(/injected driver-op faults/);
    expect(u).toMatch(/CONFIG_IOMMU_DEFAULT_DMA_STRICT/);
  });

  test('VT-d without IOMMU_CAP_DEFERRED_FLUSH: unsupported on 6.12 only', () => {
    const sc = scenario({ iommus: [{ name: 'dmar0', driver: 'intel-vtd' }] });
    expect(scenarioUnsupported(sc, '6.12').join()).toMatch(/DEFERRED_FLUSH/);
    expect(scenarioUnsupported(sc, '6.1')).toEqual([]);
  });
});
