/**
 * The explorer's predecessor pointers in 3 bytes a state. States are numbered in breadth-first
 * order and expanded in that order, so the successors a state adds are numbered consecutively,
 * right after those of the state expanded before it: a state's parent follows from how many new
 * successors each state added (one byte, 255 and above kept aside), and the path from the
 * event's index among its parent's enabled events (two bytes). Arrays grow by a quarter.
 */
export class Predecessors {
  private children = new Uint8Array(1024);
  private events = new Uint16Array(1024);
  private readonly manyChildren = new Map<number, number>();
  /** States numbered so far (the initial state is 0). */
  size = 1;

  /** Numbers a new state reached from `parent` by its `event`-th enabled event. */
  add(parent: number, event: number): number {
    if (this.size === this.events.length) {
      const n = Math.ceil(this.size * 1.25);
      const c = new Uint8Array(n);
      c.set(this.children);
      this.children = c;
      const e = new Uint16Array(n);
      e.set(this.events);
      this.events = e;
    }
    const c = this.children[parent];
    if (c < 255) this.children[parent] = c + 1;
    else this.manyChildren.set(parent, (this.manyChildren.get(parent) ?? 255) + 1);
    const idx = this.size++;
    this.events[idx] = event;
    return idx;
  }

  private childCount(i: number): number {
    const c = this.children[i];
    return c < 255 ? c : (this.manyChildren.get(i) ?? 255);
  }

  /** The event indices from the initial state to state i (i's own parents must be expanded). */
  path(i: number): number[] {
    // The parent of every state up to i, by one pass over the child counts.
    const parentOf = new Int32Array(i + 1);
    let next = 1;
    for (let p = 0; next <= i; p++) {
      const c = this.childCount(p);
      for (let k = 0; k < c && next <= i; k++) parentOf[next++] = p;
    }
    const out: number[] = [];
    for (let j = i; j > 0; j = parentOf[j]) out.push(this.events[j]);
    return out.reverse();
  }

  /** Bytes allocated. */
  get bytes(): number {
    return this.children.byteLength + this.events.byteLength + this.manyChildren.size * 16;
  }
}
