/** The newc archive the guest's initramfs is appended with (src/conform/cpio.ts). */
import { describe, expect, test } from 'vitest';
import { cpioNewc } from '../../src/conform/cpio.js';

/** Read a newc archive back: name, mode and data of each entry. */
function readNewc(a: Uint8Array) {
  const text = new TextDecoder('latin1');
  const out: { name: string; mode: number; data: string }[] = [];
  let at = 0;
  for (;;) {
    const h = text.decode(a.subarray(at, at + 110));
    expect(h.slice(0, 6)).toBe('070701');
    const field = (i: number) => Number.parseInt(h.slice(6 + 8 * i, 14 + 8 * i), 16);
    const size = field(6);
    const nameSize = field(11);
    const name = text.decode(a.subarray(at + 110, at + 110 + nameSize - 1));
    expect(a[at + 110 + nameSize - 1]).toBe(0);
    let p = at + 110 + nameSize;
    p += (4 - (p % 4)) % 4;
    const data = text.decode(a.subarray(p, p + size));
    p += size;
    p += (4 - (p % 4)) % 4;
    out.push({ name, mode: field(1), data });
    at = p;
    if (name === 'TRAILER!!!') break;
  }
  expect(at).toBe(a.length);
  return out;
}

describe('cpioNewc', () => {
  test('entries with 4-byte padding, regular-file modes, and the trailer', () => {
    const a = cpioNewc([
      { name: 'cmds', data: new TextEncoder().encode('- unbind_all\n') },
      { name: 'x', data: new TextEncoder().encode('abc'), mode: 0o755 },
    ]);
    expect(a.length % 4).toBe(0);
    expect(readNewc(a)).toEqual([
      { name: 'cmds', mode: 0o100644, data: '- unbind_all\n' },
      { name: 'x', mode: 0o100755, data: 'abc' },
      { name: 'TRAILER!!!', mode: 0, data: '' },
    ]);
  });
});
