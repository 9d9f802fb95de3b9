/** Group indices: a scenario's groups are numbered in order of first appearance among its devices. */
interface GroupNumbering {
  readonly names: readonly string[];
  /** The group index of each device. */
  readonly ofDevice: readonly number[];
}
const numbering = new WeakMap<object, GroupNumbering>();

function groupNumbering(devices: readonly { readonly group: string }[]): GroupNumbering {
  let n = numbering.get(devices);
  if (n === undefined) {
    const names: string[] = [];
    const ofDevice = devices.map((d) => {
      let g = names.indexOf(d.group);
      if (g < 0) g = names.push(d.group) - 1;
      return g;
    });
    n = { names, ofDevice };
    numbering.set(devices, n);
  }
  return n;
}

/** The scenario's group names, by group index (the order the emulator and the charts use). */
export function groupNames(s: {
  readonly devices: readonly { readonly group: string }[];
}): readonly string[] {
  return groupNumbering(s.devices).names;
}

/** The index of device `dev`'s group. */
export function groupOfDevice(
  s: { readonly devices: readonly { readonly group: string }[] },
  dev: number,
): number {
  return groupNumbering(s.devices).ofDevice[dev];
}

/** The device indices of group `g`, in scenario order. */
export function devicesOfGroup(
  s: { readonly devices: readonly { readonly group: string }[] },
  g: number,
): number[] {
  const out: number[] = [];
  groupNumbering(s.devices).ofDevice.forEach((x, i) => {
    if (x === g) out.push(i);
  });
  return out;
}
