/**
 * Bad input (a malformed scenario or trace, an unknown call or name, a bad flag) is reported as a
 * value naming what is wrong and where; the CLI prints it and exits 2. Never thrown as a crash.
 */
import type { z } from 'zod';

export interface InputError {
  readonly ok: false;
  /** Where: "devices[2].iommu", "step 4 (iommu_attach_device_pasid).pasid". */
  readonly where: string;
  readonly message: string;
}
export type Parsed<T> = { readonly ok: true; readonly value: T } | InputError;

export function inputError(where: string, message: string): InputError {
  return { ok: false, where, message };
}

export function formatInputError(e: InputError): string {
  return e.where ? `${e.where}: ${e.message}` : e.message;
}

/** "devices[2].iommu" from a zod issue path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(String(p))) out += out === '' ? String(p) : `.${String(p)}`;
    else out += `[${JSON.stringify(String(p))}]`;
  }
  return out;
}

/** The first zod issue as an InputError (prefix names the document: "scenario", "trace"). */
export function fromZod(prefix: string, err: z.ZodError): InputError {
  const issue = err.issues[0];
  const path = formatPath(issue.path);
  const where = path ? `${prefix}.${path}` : prefix;
  let message = issue.message;
  if (issue.code === 'unrecognized_keys')
    message = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  return inputError(where, message);
}
