/**
 * The baseline every figure is divided by: a plain TypeScript breadth-first search with packed
 * integer keys over the toolchain probe's model (N devices, each attached to one of D domains or
 * none, with P PASID slots each free or pointing at a domain; a global ready/suspended bit). Its
 * reachable count is 2 * (1 + D * (D+1)^P)^N, asserted here so the baseline cannot drift.
 */
export interface BaselineResult {
  readonly states: number;
  readonly seconds: number;
}

export function baselineSearch(N: number, D: number, P: number, now: () => number): BaselineResult {
  const slots = 1 + P; // per device: rid (0 = none, 1..D) and P pasid slots (0 = free, 1..D)
  const radix = D + 1;
  const width = N * slots + 1;
  const decode = (k: number, out: Int8Array) => {
    for (let i = 0; i < width; i++) {
      out[i] = k % radix;
      k = Math.floor(k / radix);
    }
  };
  const encode = (v: Int8Array) => {
    let k = 0;
    for (let i = width - 1; i >= 0; i--) k = k * radix + v[i];
    return k;
  };
  const t0 = now();
  const seen = new Set<number>([0]);
  const queue: number[] = [0];
  const v = new Int8Array(width);
  const w = new Int8Array(width);
  const visit = () => {
    const k = encode(w);
    if (!seen.has(k)) {
      seen.add(k);
      queue.push(k);
    }
  };
  for (let head = 0; head < queue.length; head++) {
    decode(queue[head], v);
    const suspended = v[width - 1] === 1;
    w.set(v);
    w[width - 1] = suspended ? 0 : 1;
    visit();
    if (suspended) continue;
    for (let n = 0; n < N; n++) {
      const base = n * slots;
      const attachedPasids = (() => {
        for (let p = 1; p <= P; p++) if (v[base + p] !== 0) return true;
        return false;
      })();
      for (let d = 1; d <= D; d++) {
        if (v[base] !== d) {
          w.set(v);
          w[base] = d;
          visit();
        }
      }
      if (v[base] !== 0 && !attachedPasids) {
        w.set(v);
        w[base] = 0;
        visit();
      }
      for (let p = 1; p <= P; p++) {
        if (v[base + p] !== 0) {
          w.set(v);
          w[base + p] = 0;
          visit();
        } else if (v[base] !== 0) {
          for (let d = 1; d <= D; d++) {
            w.set(v);
            w[base + p] = d;
            visit();
          }
        }
      }
    }
  }
  const expected = 2 * (1 + D * (D + 1) ** P) ** N;
  if (seen.size !== expected)
    throw new Error(`baseline reached ${seen.size}, expected ${expected}`);
  return { states: seen.size, seconds: (now() - t0) / 1000 };
}
