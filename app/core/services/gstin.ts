/**
 * Indian GST identification numbers (GSTIN): 15 characters = state code (2
 * digits), PAN (5 letters, 4 digits, 1 letter), entity number (1-9, A-Z), "Z",
 * and a check character computed with the GSTN's mod-36 algorithm.
 */

export const GSTIN_PATTERN = /^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z]Z[0-9A-Z]$/

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'

/** 01–38 are states and union territories; 97 "other territory", 99 centre jurisdiction. */
export function isGstStateCode(code: string) {
  if (!/^\d{2}$/.test(code)) return false
  const value = Number(code)
  return (value >= 1 && value <= 38) || value === 97 || value === 99
}

/**
 * The check character for the first 14 characters: each character's value
 * (0-9, A-Z → 0-35) is multiplied by 1 and 2 alternately; each product adds
 * its quotient and remainder by 36; the check is (36 - sum mod 36) mod 36.
 */
export function gstinCheckCharacter(first14: string): string {
  let sum = 0
  for (let index = 0; index < 14; index++) {
    const value = ALPHABET.indexOf(first14[index])
    if (value === -1) throw new Error('GSTIN characters must be 0-9 or A-Z')
    const product = value * (index % 2 === 0 ? 1 : 2)
    sum += Math.floor(product / 36) + (product % 36)
  }
  return ALPHABET[(36 - (sum % 36)) % 36]
}

export type GstinProblem = 'format' | 'state_code' | 'checksum'

/** null when valid; otherwise what is wrong. Expects an uppercased, trimmed value. */
export function gstinProblem(gstin: string): GstinProblem | null {
  if (!GSTIN_PATTERN.test(gstin)) return 'format'
  if (!isGstStateCode(gstin.slice(0, 2))) return 'state_code'
  if (gstinCheckCharacter(gstin.slice(0, 14)) !== gstin[14]) return 'checksum'
  return null
}

export function isValidGstin(gstin: string) {
  return gstinProblem(gstin) === null
}
