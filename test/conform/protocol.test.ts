/** Reading the guest console (src/conform/protocol.ts). */
import { describe, expect, test } from 'vitest';
import { parseGuestOutput } from '../../src/conform/protocol.js';

const CONSOLE = [
  'SeaBIOS (version 1.16.2)',
  '\u001b[2J@@ - boot 6.12.118+deb12-amd64',
  '@@ - i 0',
  '@@I 0000:00:03.0 bound-to=serial',
  '@@ - i 3',
  '@@ 0 s "DMA-FQ\\n"',
  '@@ 1 n default:g0',
  '@@ 2 i -16',
  '[    3.1] some kernel line',
  '@@ 3 i 4294963200',
  '@@W 3 "WARNING: CPU: 0 PID: 1 at drivers/iommu/iommu.c:1 x"',
  '@@ 4 i DMA_MAPPING_ERROR',
  '@@ 5 b b0 512',
  '@@ 6 u not in this kernel',
  '@@ 7 e no domain d9',
  '@@ - teardown i 0',
  '@@ - unloaded',
  '@@ - done',
].join('\r\n');

describe('parseGuestOutput', () => {
  const g = parseGuestOutput(CONSOLE);

  test('boot, set-up replies, teardown and the end', () => {
    expect(g.release).toBe('6.12.118+deb12-amd64');
    expect(g.setup).toEqual([
      { kind: 'value', value: 0 },
      { kind: 'value', value: 3 },
    ]);
    expect(g.teardown).toEqual({ kind: 'value', value: 0 });
    expect(g.done).toBe(true);
    expect(g.errors).toEqual([]);
  });

  test('each reply kind', () => {
    expect(g.steps.get(0)).toEqual({ kind: 'value', value: 'DMA-FQ\n' });
    expect(g.steps.get(1)).toEqual({ kind: 'value', value: 'default:g0' });
    expect(g.steps.get(2)).toEqual({ kind: 'value', value: -16 });
    expect(g.steps.get(3)).toEqual({ kind: 'value', value: 4294963200 });
    expect(g.steps.get(4)).toEqual({ kind: 'value', value: 'DMA_MAPPING_ERROR' });
    expect(g.steps.get(5)).toEqual({ kind: 'value', value: 'b0+512' });
    expect(g.steps.get(6)).toEqual({ kind: 'unsupported', reason: 'not in this kernel' });
    expect(g.steps.get(7)).toEqual({ kind: 'error', message: 'no domain d9' });
  });

  test('kernel warnings by step', () => {
    expect(g.warnings.get(3)).toEqual(['WARNING: CPU: 0 PID: 1 at drivers/iommu/iommu.c:1 x']);
  });

  test('a guest that died: no boot line, not done', () => {
    const d = parseGuestOutput(
      "Kernel panic - not syncing: timer doesn't work through Interrupt-remapped IO-APIC",
    );
    expect(d.release).toBeNull();
    expect(d.done).toBe(false);
    expect(d.steps.size).toBe(0);
  });

  test('a bad integer is a harness error, not a value', () => {
    expect(parseGuestOutput('@@ 0 i 12abc').steps.get(0)).toMatchObject({ kind: 'error' });
  });
});
