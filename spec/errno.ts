/**
 * The errno values the emulated kernel functions return, negated as the kernel returns them.
 * include/uapi/asm-generic/errno-base.h, errno.h; include/linux/errno.h (EPROBE_DEFER).
 */
export const EPERM = 1;
export const ENOENT = 2;
export const ENOMEM = 12;
export const EACCES = 13;
export const EFAULT = 14;
export const EBUSY = 16;
export const EEXIST = 17;
export const ENODEV = 19;
export const EINVAL = 22;
export const ENOSPC = 28;
export const EOVERFLOW = 75;
export const EOPNOTSUPP = 95;
export const EPROBE_DEFER = 517;

export const ERRNO_NAMES: Readonly<Record<number, string>> = {
  [EPERM]: 'EPERM',
  [ENOENT]: 'ENOENT',
  [ENOMEM]: 'ENOMEM',
  [EACCES]: 'EACCES',
  [EFAULT]: 'EFAULT',
  [EBUSY]: 'EBUSY',
  [EEXIST]: 'EEXIST',
  [ENODEV]: 'ENODEV',
  [EINVAL]: 'EINVAL',
  [ENOSPC]: 'ENOSPC',
  [EOVERFLOW]: 'EOVERFLOW',
  [EOPNOTSUPP]: 'EOPNOTSUPP',
  [EPROBE_DEFER]: 'EPROBE_DEFER',
};

/** "-16 (-EBUSY)" for a negative errno, the plain value otherwise. */
export function formatRet(ret: number | string): string {
  if (typeof ret === 'number' && ret < 0 && ERRNO_NAMES[-ret] !== undefined) {
    return `${ret} (-${ERRNO_NAMES[-ret]})`;
  }
  return typeof ret === 'string' ? JSON.stringify(ret) : String(ret);
}
