/**
 * iommu-spec conform TRACE... [--kernel 6.12|6.1] [--json]: each trace on the emulator and on a
 * real Linux kernel under QEMU (the guest agent in agent/ performs the steps), step by step.
 * Exit 0 when every step run matches, 1 on a mismatch or when the real kernel could not be driven
 * through a trace, 2 on bad input, 4 when QEMU or the kernel image is missing here.
 */
import { spawn } from 'node:child_process';
import {
  accessSync,
  constants,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CALLS, isCallName } from '../../../spec/calls.js';
import { formatRet } from '../../../spec/errno.js';
import { formatInputError } from '../../../spec/input-error.js';
import { KERNEL_REVISIONS, type KernelRevision } from '../../../spec/kernel-ref.js';
import { checkTraceSteps } from '../../../spec/trace.js';
import { planAgent } from '../../conform/commands.js';
import {
  type ConformRun,
  compareRun,
  emulatorReturns,
  runsFailed,
  unsupportedRun,
  warningCounts,
} from '../../conform/compare.js';
import { cpioNewc } from '../../conform/cpio.js';
import {
  CONFORM_KERNELS,
  type ConformKernel,
  describeMachine,
  EMULATOR_REVISION,
} from '../../conform/machine.js';
import { parseGuestOutput } from '../../conform/protocol.js';
import { loadTrace } from '../io.js';
import { type CliOutput, EXIT } from '../output.js';

export interface ConformCliOptions {
  readonly kernel?: string;
  /** Hold another emulator revision to the kernel (default: the one EMULATOR_REVISION names). */
  readonly revision?: string;
  readonly json?: boolean;
}

const QEMU = 'qemu-system-x86_64';
const SETUP_HINT = 'run `npm run conform:setup` (scripts/conform-setup.sh) to install it';

/** The package root: the nearest folder above this module holding package.json. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

function findOnPath(cmd: string): string | null {
  for (const d of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(d, cmd);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return null;
}

interface KernelFiles {
  readonly vmlinuz: string;
  readonly base: string;
}

/** The kernel image and base initramfs scripts/conform-setup.sh left, or what is missing. */
function kernelFiles(kernel: ConformKernel): KernelFiles | string {
  const dir = resolve(
    process.env.IOMMU_SPEC_CONFORM_CACHE ?? join(packageRoot(), '.cache', 'conform'),
    kernel,
  );
  // the ELF vmlinux the set-up extracted boots faster (QEMU's PVH entry, no decompression)
  const vmlinuz = existsSync(join(dir, 'vmlinux')) ? join(dir, 'vmlinux') : join(dir, 'vmlinuz');
  const base = join(dir, 'base.cpio');
  if (!existsSync(vmlinuz)) return `no Linux ${kernel} kernel image at ${vmlinuz}`;
  if (!existsSync(base)) return `no agent initramfs for Linux ${kernel} at ${base}`;
  return { vmlinuz, base };
}

/** Boot QEMU once and collect its console; killed (by its own pid) after timeoutMs. */
function runQemu(
  qemu: string,
  args: readonly string[],
  timeoutMs: number,
): Promise<{ text: string; timedOut: boolean; spawnError: string | null }> {
  return new Promise((done) => {
    const child = spawn(qemu, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    // a QEMU outliving an interrupted conform would keep a core busy: it goes with us
    const stop = (signal: NodeJS.Signals) => {
      child.kill('SIGKILL');
      process.exit(signal === 'SIGINT' ? 130 : 143);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const chunks: Buffer[] = [];
    let timedOut = false;
    let spawnError: string | null = null;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', (e) => {
      spawnError = e.message;
    });
    child.on('close', () => {
      clearTimeout(timer);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done({ text: Buffer.concat(chunks).toString('utf8'), timedOut, spawnError });
    });
  });
}

/** A return as the kernel means it: -1 from a PASID allocator is IOMMU_PASID_INVALID, not -EPERM. */
function describeRet(call: string, v: string | number): string {
  if (isCallName(call) && CALLS[call].returns === 'pasid' && v === -1)
    return '-1 (IOMMU_PASID_INVALID)';
  if (isCallName(call) && ['pasid', 'iova', 'number'].includes(CALLS[call].returns))
    return typeof v === 'string' ? v : String(v);
  return formatRet(v);
}

function printRun(run: ConformRun, out: CliOutput): void {
  const where = run.release === null ? `Linux ${run.kernel}` : `Linux ${run.release}`;
  out.line(`${run.trace} (scenario ${run.scenario}) on ${where}, emulator ${run.revision}`);
  for (const s of run.steps) {
    const verdict = s.match ? 'match' : 'MISMATCH';
    out.line(
      `${String(s.index).padStart(4)}  ${s.call}  emulator ${describeRet(s.call, s.emulator)}  kernel ${describeRet(s.call, s.kernel)}  ${verdict}`,
    );
    for (const w of s.kernelWarnings ?? []) out.line(`        kernel: ${w}`);
    for (const w of s.emulatorWarnings ?? []) out.line(`        emulator: WARNING ${w}`);
  }
  for (const u of run.unsupported) {
    const at = u.index < 0 ? 'scenario' : `step ${u.index} (${u.call})`;
    out.line(`      unsupported ${at}: ${u.reason}`);
  }
  if (run.error !== null) out.line(`      ERROR: ${run.error}`);
  const matched = run.steps.filter((s) => s.match).length;
  const w = warningCounts(run);
  out.line(
    `      ${run.steps.length} steps run, ${matched} match, ${run.steps.length - matched} mismatch, ${run.unsupported.length} unsupported; WARN on ${w.kernel} steps in the kernel, ${w.emulator} in the emulator, ${w.both} both`,
  );
}

export async function runConform(
  traces: readonly string[],
  opts: ConformCliOptions,
  out: CliOutput,
): Promise<number> {
  const kernel = (opts.kernel ?? '6.12') as ConformKernel;
  if (!(CONFORM_KERNELS as readonly string[]).includes(kernel))
    return out.inputError(`--kernel takes ${CONFORM_KERNELS.join(' or ')}, not "${opts.kernel}"`);
  let revision: KernelRevision = EMULATOR_REVISION[kernel];
  if (opts.revision !== undefined) {
    if (!(KERNEL_REVISIONS as readonly string[]).includes(opts.revision))
      return out.inputError(
        `--revision takes ${KERNEL_REVISIONS.join(', ')}, not "${opts.revision}"`,
      );
    revision = opts.revision as KernelRevision;
  }
  // Every trace is checked before anything boots: bad input is exit 2 whatever the machine has.
  const loaded = [];
  for (const path of traces) {
    const t = loadTrace(path);
    if (!t.ok) return out.inputError(formatInputError(t));
    const steps = checkTraceSteps(t.value.trace.steps, t.value.scenario);
    if (!steps.ok) return out.inputError(`${path}: ${formatInputError(steps)}`);
    const emu = emulatorReturns(t.value.scenario, steps.value, kernel, revision);
    if (!emu.ok) return out.inputError(`${path}: ${formatInputError(emu)}`);
    loaded.push({ path, scenario: t.value.scenario, steps: steps.value, emulator: emu.value });
  }
  const qemu = findOnPath(QEMU);
  if (qemu === null) {
    out.note(`iommu-spec: ${QEMU} is not installed; ${SETUP_HINT}`);
    return EXIT.UNAVAILABLE;
  }
  const files = kernelFiles(kernel);
  if (typeof files === 'string') {
    out.note(`iommu-spec: ${files}; ${SETUP_HINT}`);
    return EXIT.UNAVAILABLE;
  }
  const base = readFileSync(files.base);
  const work = mkdtempSync(join(tmpdir(), 'iommu-conform-'));
  const runs: ConformRun[] = [];
  try {
    for (const t of loaded) {
      const m = describeMachine(t.scenario, kernel);
      if (!m.ok) {
        runs.push({ ...unsupportedRun(t.path, t.scenario, kernel, m.unsupported), revision });
      } else {
        const plan = planAgent(m.machine, t.steps);
        if (plan.stop !== null && plan.stop.index === (t.steps[0]?.index ?? 0)) {
          // the first step cannot be expressed: a boot would run nothing
          runs.push({
            ...unsupportedRun(t.path, t.scenario, kernel, []),
            revision,
            unsupported: [plan.stop],
          });
          if (!opts.json) printRun(runs[runs.length - 1], out);
          continue;
        }
        const cmds = new TextEncoder().encode(`${plan.lines.join('\n')}\n`);
        const initrd = join(work, 'initrd.cpio');
        writeFileSync(initrd, Buffer.concat([base, cpioNewc([{ name: 'cmds', data: cmds }])]));
        const args = [
          ...m.machine.qemuArgs,
          '-kernel',
          files.vmlinuz,
          '-initrd',
          initrd,
          '-append',
          m.machine.append,
        ];
        const timeout = 60_000 + 2_000 * t.steps.length;
        let boot = await runQemu(qemu, args, timeout);
        if (boot.spawnError !== null) {
          out.note(`iommu-spec: cannot start ${QEMU}: ${boot.spawnError}; ${SETUP_HINT}`);
          return EXIT.UNAVAILABLE;
        }
        let guest = parseGuestOutput(boot.text);
        if (guest.release === null) {
          // a guest that never reached the agent ran no step: boot it once more, and say so
          out.note(`iommu-spec: ${t.path}: the guest did not start the agent; booting again`);
          boot = await runQemu(qemu, args, timeout);
          guest = parseGuestOutput(boot.text);
        }
        let run = compareRun({
          trace: t.path,
          scenario: t.scenario,
          kernel,
          machine: m.machine,
          plan,
          steps: t.steps,
          emulator: t.emulator,
          guest,
          revision,
        });
        if (boot.timedOut && run.error !== null)
          run = { ...run, error: `${run.error} (QEMU timed out)` };
        if (run.error !== null && process.env.IOMMU_SPEC_CONFORM_LOG)
          writeFileSync(join(process.env.IOMMU_SPEC_CONFORM_LOG, `${runs.length}.log`), boot.text);
        runs.push(run);
      }
      if (!opts.json) printRun(runs[runs.length - 1], out);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  if (opts.json) {
    out.json({
      kernel,
      runs: runs.map((r) => ({
        trace: r.trace,
        scenario: r.scenario,
        release: r.release,
        revision: r.revision,
        steps: r.steps,
        unsupported: r.unsupported,
        warnings: warningCounts(r),
        ...(r.error !== null ? { error: r.error } : {}),
      })),
    });
  } else {
    const steps = runs.reduce((n, r) => n + r.steps.length, 0);
    const matched = runs.reduce((n, r) => n + r.steps.filter((s) => s.match).length, 0);
    const unsupported = runs.reduce((n, r) => n + r.unsupported.length, 0);
    const errors = runs.filter((r) => r.error !== null).length;
    const w = runs.map(warningCounts).reduce(
      (a, b) => ({
        kernel: a.kernel + b.kernel,
        emulator: a.emulator + b.emulator,
        both: a.both + b.both,
      }),
      { kernel: 0, emulator: 0, both: 0 },
    );
    out.line(
      `Linux ${kernel}: ${runs.length} traces, ${steps} steps run, ${matched} match, ${steps - matched} mismatch, ${unsupported} unsupported, ${errors} errors; WARN on ${w.kernel} steps in the kernel, ${w.emulator} in the emulator, ${w.both} both`,
    );
  }
  return runsFailed(runs) ? EXIT.VIOLATION : EXIT.OK;
}
