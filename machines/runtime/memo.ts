/**
 * A spec model memoised on its own state key. The product of spec and emulator has many more
 * states than the spec alone (smmu-and-amd-igpu: 8800 product states over 540 spec states), so
 * the explorer asks the spec the same question many times: the same call in the same spec state,
 * under a different emulator state. Spec states are interned by key (the key already decides
 * which product states are the same, so it covers everything a step reads), and step, allowed and
 * view are computed once per interned state and event.
 *
 * Not for instrumented models: coverage counts every chart transition a step takes, memoised
 * or not (machines/router/kernel.ts SpecModelOptions.onTransition), so it wraps nothing.
 */
import type { KernelEvent } from '../../spec/events.js';
import type { SpecModel, SpecRet } from '../../spec/model.js';
import type { SpecView } from '../../spec/view.js';

interface Memo<S> {
  readonly key: string;
  readonly steps: Map<string, { readonly ret: SpecRet; readonly next: S }>;
  readonly allowed: Map<string, boolean>;
  view?: SpecView;
}

const eventKeys = new WeakMap<KernelEvent, string>();

/**
 * The event's identity for the memo tables: its fields in their fixed construction order. The
 * explorer offers the same event objects in every state (src/check/core/universe.ts), so the text is
 * kept per object.
 */
function eventKey(ev: KernelEvent): string {
  let k = eventKeys.get(ev);
  if (k === undefined) {
    k = JSON.stringify(ev);
    eventKeys.set(ev, k);
  }
  return k;
}

export function memoiseSpecModel<S extends object>(model: SpecModel<S>): SpecModel<S> {
  const canon = new Map<string, S>();
  const memo = new WeakMap<S, Memo<S>>();

  /** The canonical state equal to `s`, and its memo. */
  const intern = (s: S): [S, Memo<S>] => {
    const own = memo.get(s);
    if (own !== undefined) return [s, own];
    const key = model.key(s);
    const c = canon.get(key);
    if (c !== undefined) return [c, memo.get(c) as Memo<S>];
    const m: Memo<S> = { key, steps: new Map(), allowed: new Map() };
    canon.set(key, s);
    memo.set(s, m);
    return [s, m];
  };

  const initial = intern(model.initial)[0];
  const permute = model.permute;
  const resync = model.resync;
  return {
    initial,
    step(s, ev) {
      const [c, m] = intern(s);
      const ek = eventKey(ev);
      let r = m.steps.get(ek);
      if (r === undefined) {
        const t = model.step(c, ev);
        r = { ret: t.ret, next: intern(t.next)[0] };
        m.steps.set(ek, r);
      }
      return r;
    },
    allowed(s, ev) {
      const [c, m] = intern(s);
      const ek = eventKey(ev);
      let a = m.allowed.get(ek);
      if (a === undefined) {
        a = model.allowed(c, ev);
        m.allowed.set(ek, a);
      }
      return a;
    },
    view(s) {
      const [c, m] = intern(s);
      m.view ??= model.view(c);
      return m.view;
    },
    key: (s) => intern(s)[1].key,
    ...(permute !== undefined
      ? { permute: (s: S, p: Parameters<typeof permute>[1]) => intern(permute(s, p))[0] }
      : {}),
    ...(resync !== undefined ? { resync: (s: S, v: SpecView) => intern(resync(s, v))[0] } : {}),
  };
}
