/**
 * Reading the guest's console: the agent's "@@" lines among the kernel's own output. Pure.
 *
 *   @@ <id> i <integer>        a return value (DMA_MAPPING_ERROR for a failed dma_map_single)
 *   @@ <id> n <name>           a domain as a caller names it: an "as" name, default:<group>,
 *                              blocking:<group>, NULL, or other:type=<n>
 *   @@ <id> s <json string>    a sysfs read
 *   @@ <id> b <buf> <offset>   a physical address inside a scenario buffer
 *   @@ <id> u <reason>         the call does not exist on this kernel
 *   @@ <id> e <message>        a harness error (the trace stops)
 *   @@W <id> <json string>     a kernel WARNING/BUG line logged during step <id>
 *   @@I <bdf> bound-to=<drv>   the driver bound to a device at boot
 * Set-up lines use the id "-".
 */

export type AgentReply =
  | { readonly kind: 'value'; readonly value: number | string }
  | { readonly kind: 'unsupported'; readonly reason: string }
  | { readonly kind: 'error'; readonly message: string };

export interface GuestOutput {
  /** uname -r of the guest, when it got as far as the agent. */
  readonly release: string | null;
  /** Replies to the set-up lines, in order. */
  readonly setup: readonly AgentReply[];
  /** Replies by step index. */
  readonly steps: ReadonlyMap<number, AgentReply>;
  /** Kernel warnings by step index (-1: set-up or teardown). */
  readonly warnings: ReadonlyMap<number, readonly string[]>;
  readonly teardown: AgentReply | null;
  /** The agent reached its end ("@@ - done"). */
  readonly done: boolean;
  /** Set-up or teardown errors printed with the id "-". */
  readonly errors: readonly string[];
}

function parseReply(rest: string): AgentReply {
  const sp = rest.indexOf(' ');
  const kind = sp < 0 ? rest : rest.slice(0, sp);
  const body = sp < 0 ? '' : rest.slice(sp + 1);
  switch (kind) {
    case 'i': {
      if (/^-?\d+$/.test(body)) {
        const n = Number(body);
        // IOVAs are below 2^53; anything larger stays exact as a decimal string
        return { kind: 'value', value: Number.isSafeInteger(n) ? n : body };
      }
      return body === 'DMA_MAPPING_ERROR'
        ? { kind: 'value', value: body }
        : { kind: 'error', message: `not an integer: ${body}` };
    }
    case 'n':
      return { kind: 'value', value: body };
    case 's': {
      try {
        const v: unknown = JSON.parse(body);
        return typeof v === 'string'
          ? { kind: 'value', value: v }
          : { kind: 'error', message: `not a string: ${body}` };
      } catch {
        return { kind: 'error', message: `bad string: ${body}` };
      }
    }
    case 'b': {
      const m = /^(\S+) (\d+)$/.exec(body);
      return m === null
        ? { kind: 'error', message: `bad buffer address: ${body}` }
        : { kind: 'value', value: `${decodeToken(m[1])}+${m[2]}` };
    }
    case 'u':
      return { kind: 'unsupported', reason: body };
    case 'e':
      return { kind: 'error', message: body };
    default:
      return { kind: 'error', message: `unknown reply "${rest}"` };
  }
}

/** Undo encodeToken (commands.ts): %XX to its byte. */
export function decodeToken(s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '%' && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...new TextEncoder().encode(s[i]));
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/** Parse the whole console output of one boot. */
export function parseGuestOutput(text: string): GuestOutput {
  let release: string | null = null;
  const setup: AgentReply[] = [];
  const steps = new Map<number, AgentReply>();
  const warnings = new Map<number, string[]>();
  const errors: string[] = [];
  let teardown: AgentReply | null = null;
  let done = false;
  for (const raw of text.split(/\r?\n/)) {
    // the console may prefix a line with escape sequences from the firmware
    const at = raw.indexOf('@@');
    if (at < 0) continue;
    const line = raw.slice(at);
    let m = /^@@W (\S+) (".*")$/.exec(line);
    if (m !== null) {
      const id = m[1] === '-' ? -1 : Number(m[1]);
      let msg: string;
      try {
        msg = String(JSON.parse(m[2]));
      } catch {
        msg = m[2];
      }
      warnings.set(id, [...(warnings.get(id) ?? []), msg]);
      continue;
    }
    if (line.startsWith('@@I ')) continue;
    m = /^@@ (\S+) (.*)$/.exec(line);
    if (m === null) continue;
    const [, id, rest] = m;
    if (id === '-') {
      if (rest.startsWith('boot ')) release = rest.slice(5);
      else if (rest === 'done') done = true;
      else if (rest === 'unloaded') continue;
      else if (rest.startsWith('teardown ')) teardown = parseReply(rest.slice(9));
      else if (rest.startsWith('e ')) errors.push(rest.slice(2));
      else setup.push(parseReply(rest));
    } else if (/^\d+$/.test(id)) {
      steps.set(Number(id), parseReply(rest));
    }
  }
  return { release, setup, steps, warnings, teardown, done, errors };
}
