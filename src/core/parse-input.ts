import { KamuiError } from './errors.js'
import type { RawInputs } from './input-spec.js'

/**
 * Parsers of raw string inputs shared by the stages. Each names the input,
 * the value and what is accepted when it refuses one (KamuiError CFG_001).
 */

/** A number from `min` to `max` (a whole number when `integer`). */
export function parseNumberInput(
  r: RawInputs,
  name: string,
  min: number,
  max: number,
  integer: boolean,
): number {
  const text = (r[name] ?? '').trim()
  const n = text === '' ? NaN : Number(text)
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    const kind = integer ? 'a whole number' : 'a number'
    throw new KamuiError(
      'CFG_001',
      `${name} must be ${kind} from ${min} to ${max}, got "${r[name]}".`,
    )
  }
  return n
}

/** true / false (also yes / no, 1 / 0, on / off; empty is false). */
export function parseBooleanInput(r: RawInputs, name: string): boolean {
  const value = (r[name] ?? '').trim().toLowerCase()
  if (['true', 'yes', '1', 'on'].includes(value)) return true
  if (['false', 'no', '0', 'off', ''].includes(value)) return false
  throw new KamuiError('CFG_001', `${name} must be true or false, got "${r[name]}".`)
}

/** One of `allowed` (case-insensitive). */
export function parseEnumInput<T extends string>(
  r: RawInputs,
  name: string,
  allowed: readonly T[],
): T {
  const value = (r[name] ?? '').trim().toLowerCase()
  if ((allowed as readonly string[]).includes(value)) return value as T
  throw new KamuiError('CFG_001', `${name} must be one of ${allowed.join(', ')}, got "${r[name]}".`)
}

/** The trimmed value, or undefined when empty. */
export function optionalInput(r: RawInputs, name: string): string | undefined {
  const value = (r[name] ?? '').trim()
  return value === '' ? undefined : value
}
