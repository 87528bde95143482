/**
 * Tax invoice and credit note numbers. Rule 46 allows at most 16
 * characters (letters, digits, `-` and `/`), consecutive and unique; ours
 * are one gapless series per org for each kind, never reset, so a number
 * is unique across financial years too:
 *
 *   invoices      XEN-<CODE>-NNNNNN   (XEN-ACME-000042: up to 16 with a 5-letter code)
 *   credit notes  XEN-<CODE>-CNNNNN   (XEN-ACME-C00007: "CN-NNNN" would be 17 with a 5-letter code)
 *   receipt vouchers (advances received, Rule 50)  XEN-<CODE>-RNNNNN
 *
 * `<CODE>` is the org's invoice code: 1–5 uppercase letters or digits,
 * chosen once (by default from its slug) and never changed, since issued
 * numbers carry it.
 */
export const INVOICE_PREFIX = 'XEN'
export const INVOICE_NUMBER_MAX_LENGTH = 16
const CODE = /^[A-Z0-9]{1,5}$/
const INVOICE_DIGITS = 6
const CREDIT_NOTE_DIGITS = 5

export class InvoiceNumberError extends Error {}

export function isInvoiceCode(code: string) {
  return CODE.test(code)
}

function numbered(code: string, marker: string, digits: number, sequence: number) {
  if (!isInvoiceCode(code)) {
    throw new InvoiceNumberError(
      `an invoice code is 1 to 5 uppercase letters or digits, not “${code}”`
    )
  }
  if (!Number.isSafeInteger(sequence) || sequence < 1 || sequence >= 10 ** digits) {
    throw new InvoiceNumberError(
      `the series ${code}${marker} runs from 1 to ${10 ** digits - 1}, not ${sequence}`
    )
  }
  const number = `${INVOICE_PREFIX}-${code}-${marker}${String(sequence).padStart(digits, '0')}`
  // Holds by construction (4 + 5 + 1 + 6): checked so a change to the format cannot break Rule 46 quietly.
  if (number.length > INVOICE_NUMBER_MAX_LENGTH) {
    throw new InvoiceNumberError(`${number} is longer than ${INVOICE_NUMBER_MAX_LENGTH} characters`)
  }
  return number
}

export function invoiceNumber(code: string, sequence: number) {
  return numbered(code, '', INVOICE_DIGITS, sequence)
}

export function creditNoteNumber(code: string, sequence: number) {
  return numbered(code, 'C', CREDIT_NOTE_DIGITS, sequence)
}

export function receiptVoucherNumber(code: string, sequence: number) {
  return numbered(code, 'R', CREDIT_NOTE_DIGITS, sequence)
}

/**
 * An org's default invoice code from its slug: its first five letters and
 * digits, uppercased (`acme-academy` → `ACMEA`); when that is taken, the
 * first four and a digit, then three and two digits, and so on, so the code
 * stays recognisably the org's. Null when every candidate is taken (staff
 * pick one by hand).
 */
export function invoiceCodeFromSlug(slug: string, taken: (code: string) => boolean) {
  const letters = slug.toUpperCase().replace(/[^A-Z0-9]/g, '') || 'ORG'
  const first = letters.slice(0, 5)
  if (!taken(first)) return first
  for (let digits = 1; digits <= 4; digits++) {
    const stem = letters.slice(0, 5 - digits)
    for (let n = 1; n < 10 ** digits; n++) {
      const candidate = `${stem}${String(n).padStart(digits, '0')}`
      if (!taken(candidate)) return candidate
    }
  }
  return null
}
