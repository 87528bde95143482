import { test } from '@japa/runner'
import fc from 'fast-check'
import {
  creditNoteNumber,
  INVOICE_NUMBER_MAX_LENGTH,
  invoiceCodeFromSlug,
  invoiceNumber,
} from '#billing/services/invoice_numbers'

test.group('Invoice and credit note numbers', () => {
  test('XEN-<CODE>-NNNNNN for invoices and XEN-<CODE>-CNNNNN for credit notes, never past Rule 46’s 16 characters', ({
    assert,
  }) => {
    assert.equal(invoiceNumber('ACME', 42), 'XEN-ACME-000042')
    assert.equal(invoiceNumber('ACMEA', 999_999), 'XEN-ACMEA-999999')
    assert.equal(creditNoteNumber('ACMEA', 7), 'XEN-ACMEA-C00007')
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Z0-9]{1,5}$/),
        fc.integer({ min: 1, max: 99_999 }),
        (code, sequence) =>
          invoiceNumber(code, sequence).length <= INVOICE_NUMBER_MAX_LENGTH &&
          creditNoteNumber(code, sequence).length <= INVOICE_NUMBER_MAX_LENGTH &&
          /^[A-Z0-9-]+$/.test(invoiceNumber(code, sequence))
      )
    )
  })

  test('a bad code or a number outside its series is refused, saying which', ({ assert }) => {
    assert.throws(
      () => invoiceNumber('acme', 1),
      'an invoice code is 1 to 5 uppercase letters or digits, not “acme”'
    )
    assert.throws(() => invoiceNumber('ACMEAB', 1), /not “ACMEAB”/)
    assert.throws(() => invoiceNumber('ACME', 0), 'the series ACME runs from 1 to 999999, not 0')
    assert.throws(() => invoiceNumber('ACME', 1_000_000), /runs from 1 to 999999/)
    assert.throws(
      () => creditNoteNumber('ACME', 100_000),
      'the series ACMEC runs from 1 to 99999, not 100000'
    )
  })

  test('the default code is the slug’s first five letters and digits, then shorter stems with a number while taken', ({
    assert,
  }) => {
    const taken = new Set<string>()
    const next = (slug: string) => {
      const code = invoiceCodeFromSlug(slug, (candidate) => taken.has(candidate))!
      taken.add(code)
      return code
    }
    assert.equal(next('acme-academy'), 'ACMEA')
    assert.equal(next('acme-academy-2'), 'ACME1')
    assert.equal(next('acme-academy-3'), 'ACME2')
    assert.equal(next('io'), 'IO')
    assert.equal(next('io'), 'IO1')
    assert.equal(next('---'), 'ORG')
    assert.isNull(invoiceCodeFromSlug('x', () => true))
  })
})
