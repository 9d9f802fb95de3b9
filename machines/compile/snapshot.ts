/**
 * The snapshots a compiled machine returns: one xstate snapshot per configuration, built once by
 * machine.resolveState, copied with each new context. Their `matches` is xstate's matchesState
 * answered faster for the configuration's own value: string arguments are remembered, and object
 * arguments are walked without re-parsing their keys (the callers' hot path: contract and event
 * enumeration ask `matches({ region: 'state' })` of every state).
 */
import { type AnyStateMachine, matchesState, type StateValue } from 'xstate';

/** xstate's matchesState(test, value) for a fixed `value`. */
function matcher(value: StateValue): (test: StateValue) => boolean {
  const strings = new Map<string, boolean>();
  const walk = (test: StateValue, v: StateValue): boolean => {
    if (typeof test === 'string') {
      // A plain key (no path syntax) is its own state value, as xstate's toStateValue reads it.
      if (test.includes('.') || test.includes('\\')) return matchesState(test, v);
      return typeof v === 'string' ? v === test : test in v;
    }
    // A snapshot passed as the test value stands for its value (xstate's toStateValue).
    if ('machine' in test && 'value' in test) return matchesState(test, v);
    if (typeof v === 'string') return false;
    for (const key of Object.keys(test)) {
      if (!(key in v)) return false;
      if (!walk(test[key] as StateValue, v[key] as StateValue)) return false;
    }
    return true;
  };
  return (test) => {
    if (typeof test !== 'string') return walk(test, value);
    let r = strings.get(test);
    if (r === undefined) {
      r = matchesState(test, value);
      strings.set(test, r);
    }
    return r;
  };
}

/** The template snapshot of a configuration (its context is replaced on every use). */
export function templateSnapshot(machine: AnyStateMachine, value: StateValue): object {
  const snap = machine.resolveState({ value, context: {} });
  const own = snap.value;
  const fast = matcher(own);
  return {
    ...snap,
    matches(this: { readonly value: StateValue }, test: StateValue): boolean {
      return this.value === own ? fast(test) : matchesState(test, this.value);
    },
  };
}
