/**
 * What a driver's INF says about the security of the device it installs: a `Security` value
 * (an SDDL string written into the device's registry key, which PnP applies to the device
 * object) and a `DeviceCharacteristics` value with FILE_DEVICE_SECURE_OPEN (0x100).
 *
 *     HKR,,Security,,"D:P(A;;GA;;;SY)(A;;GA;;;BA)"
 *     HKR,,DeviceCharacteristics,0x10001,0x100
 */
import type { UnitInf } from '../source/discover.js';
import { LineIndex } from '../source/decode.js';
import type { Location } from './location.js';

export interface InfSecurityEntry {
  readonly kind: 'security' | 'secure-open';
  readonly location: Location;
  /** The entry as written, comments removed. */
  readonly text: string;
}

const FILE_DEVICE_SECURE_OPEN = 0x100;

/** `HKR,,Security,...` and `HKR,,DeviceCharacteristics,...,<flags with 0x100>` lines of the INFs. */
export function infSecurityEntries(infs: readonly UnitInf[]): InfSecurityEntry[] {
  const entries: InfSecurityEntry[] = [];
  for (const inf of infs) {
    const lines = new LineIndex(inf.text);
    for (const m of inf.text.matchAll(/^[ \t]*HKR[ \t]*,[^,\r\n]*,[ \t]*(Security|DeviceCharacteristics)[ \t]*,([^\r\n;]*)/gim)) {
      const kind = m[1]!.toLowerCase() === 'security' ? 'security' : 'secure-open';
      if (kind === 'secure-open' && !hasSecureOpen(m[2]!)) continue;
      const start = m.index;
      const end = start + m[0].length;
      entries.push({ kind, location: { file: inf.path, span: lines.span(start, end) }, text: m[0].trim() });
    }
  }
  return entries;
}

/** The value after the flags field: `0x10001,0x100` → 0x100 is set. */
function hasSecureOpen(rest: string): boolean {
  const fields = rest.split(',').map((f) => f.trim());
  const value = fields[fields.length - 1] ?? '';
  const number = /^0x[0-9a-f]+$/i.test(value) ? parseInt(value, 16) : /^\d+$/.test(value) ? parseInt(value, 10) : NaN;
  return !Number.isNaN(number) && (number & FILE_DEVICE_SECURE_OPEN) !== 0;
}
