/**
 * A cpio archive in the "newc" format the kernel unpacks into its initramfs
 * (init/initramfs.c; Documentation/driver-api/early-userspace/buffer-format.rst). Archives
 * concatenate, so a trace's command file is appended to the base initramfs. Pure.
 */

export interface CpioFile {
  readonly name: string;
  readonly data: Uint8Array;
  /** File mode bits without the type (default 0644). */
  readonly mode?: number;
}

const hex8 = (n: number) => n.toString(16).padStart(8, '0');
const pad4 = (n: number) => (4 - (n % 4)) % 4;

function entry(ino: number, name: string, mode: number, data: Uint8Array): Uint8Array {
  const nameBytes = new TextEncoder().encode(`${name}\0`);
  const fields = [ino, mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, nameBytes.length, 0];
  const header = new TextEncoder().encode(`070701${fields.map(hex8).join('')}`);
  const size = header.length + nameBytes.length;
  const out = new Uint8Array(size + pad4(size) + data.length + pad4(data.length));
  out.set(header, 0);
  out.set(nameBytes, header.length);
  out.set(data, size + pad4(size));
  return out;
}

/** The archive: regular files in order, then the trailer. */
export function cpioNewc(files: readonly CpioFile[]): Uint8Array {
  const parts = files.map((f, i) => entry(i + 1, f.name, 0o100000 | (f.mode ?? 0o644), f.data));
  parts.push(entry(0, 'TRAILER!!!', 0, new Uint8Array(0)));
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
