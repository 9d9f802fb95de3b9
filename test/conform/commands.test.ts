/** A trace as agent command lines (src/conform/commands.ts). */
import { describe, expect, test } from 'vitest';
import { parseScenario } from '../../spec/parse.js';
import { checkTraceSteps } from '../../spec/trace.js';
import { encodeToken, planAgent } from '../../src/conform/commands.js';
import { describeMachine } from '../../src/conform/machine.js';
import { decodeToken } from '../../src/conform/protocol.js';

const sc = (() => {
  const r = parseScenario({
    name: 't',
    iommus: [{ name: 'dmar0', driver: 'intel-vtd', caps: ['IOMMU_CAP_DEFERRED_FLUSH'] }],
    devices: [
      { name: '0000:00:03.0', iommu: 'dmar0', group: 'g0' },
      { name: 'my dev', iommu: 'dmar0', group: 'g1' },
    ],
    buffers: [{ name: 'b0', size: 8192 }],
  });
  if (!r.ok) throw new Error('scenario');
  return r.value;
})();

function plan(steps: Record<string, unknown>[]) {
  const m = describeMachine(sc, '6.12');
  if (!m.ok) throw new Error('machine');
  const s = checkTraceSteps(steps, sc);
  if (!s.ok) throw new Error(JSON.stringify(s));
  return planAgent(m.machine, s.value);
}

describe('planAgent', () => {
  test('set-up names every device, every group member and buffer, then unbinds the drivers', () => {
    const p = plan([]);
    // one name is not an address: every group gets the next free slot, in order
    expect(p.lines).toEqual([
      '- dev 0000:00:03.0 0000:00:01.0 serial',
      '- dev my%20dev 0000:00:02.0 serial',
      '- group g0 0000:00:03.0',
      '- group g1 my%20dev',
      '- buf b0 8192',
      '- unbind_all',
    ]);
    expect(p.stop).toBeNull();
  });

  test('steps: arguments by name, "as" kept, IOVA names as @name, a NULL owner left out', () => {
    const p = plan([
      { call: 'dma_map_single', dev: '0000:00:03.0', buf: 'b0', size: 4096, as: 'i0' },
      { call: 'dma_unmap_single', dev: '0000:00:03.0', iova: 'i0', size: 4096 },
      { call: 'iommu_group_claim_dma_owner', group: 'g1', owner: null },
      { call: 'iommu_group_store_type', group: 'g0', type: 'DMA FQ' },
    ]);
    expect(p.lines.slice(6)).toEqual([
      '0 call dma_map_single dev=0000:00:03.0 buf=b0 size=4096 as=i0',
      '1 call dma_unmap_single dev=0000:00:03.0 iova=@i0 size=4096',
      '2 call iommu_group_claim_dma_owner group=g1',
      '3 call iommu_group_store_type group=g0 type=DMA%20FQ',
    ]);
  });

  test('the trace stops at the first step QEMU cannot express, with the reason', () => {
    const p = plan([
      { call: 'iommu_get_domain_for_dev', dev: '0000:00:03.0' },
      { call: 'device_dma', dev: '0000:00:03.0', iova: 4096 },
      { call: 'iommu_get_domain_for_dev', dev: '0000:00:03.0' },
    ]);
    expect(p.lines.filter((l) => !l.startsWith('-'))).toHaveLength(1);
    expect(p.stop).toMatchObject({ index: 1, call: 'device_dma' });
    expect(p.stop?.reason).toMatch(/edu/);
  });

  test('a zero-length sysfs write is unsupported: sysfs never calls the store', () => {
    const p = plan([{ call: 'iommu_group_store_type', group: 'g0', type: '' }]);
    expect(p.stop?.reason).toMatch(/sysfs_kf_write/);
  });
});

describe('tokens', () => {
  test.each(['plain', 'with space', '50%', '@name', 'a=b', 'line\n', 'ünï'])(
    'encode/decode round-trips %j without spaces or a leading @',
    (s) => {
      const e = encodeToken(s);
      expect(e).not.toMatch(/[\s@=]/);
      expect(decodeToken(e)).toBe(s);
    },
  );
});
