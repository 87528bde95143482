import { execFileSync } from 'node:child_process'
import { test } from '@japa/runner'
import { PDFDocument } from 'pdf-lib'
import { type InvoiceDocument, drawInvoice, rupees } from '#billing/services/invoice_pdf'
import { pdfText } from '#tests/helpers/billing'

/*
| The invoice PDF read back by tools we did not write (poppler's pdftotext
| and pdffonts, pdf-lib's parser): the standard-font writer for WinAnsi
| text, pdf-lib with Noto Sans for anything else, pages added as lines
| need them.
*/

function line(description: string, quantity: number, unitPaise: number) {
  const taxable = quantity * unitPaise
  const half = Math.round(taxable * 0.09)
  return {
    description,
    quantity,
    unitPaise,
    taxablePaise: taxable,
    rateBasisPoints: 1800,
    cgstPaise: half,
    sgstPaise: half,
    igstPaise: 0,
    totalPaise: taxable + 2 * half,
  }
}

function invoice(overrides: Partial<InvoiceDocument> = {}): InvoiceDocument {
  return {
    kind: 'invoice',
    number: 'XEN-VIDYA-000042',
    issueDate: '2026-11-01',
    dueDate: '2026-11-08',
    periodStart: '2026-10-01',
    periodEnd: '2026-10-31',
    original: null,
    supplier: {
      name: 'Authentix Technologies Private Limited',
      address_lines: ['4th Floor, 80 Feet Road', 'Bengaluru 560034'],
      state: 'Karnataka',
      state_code: '29',
      gstin: '29AAKCA4120M1ZI',
    },
    recipient: {
      name: 'Vidya (Learning) \\ Private Limited',
      address_lines: ['12 MG Road'],
      state: 'Karnataka',
      state_code: '29',
      gstin: null,
    },
    placeOfSupply: '29',
    intraState: true,
    sac: '998314',
    lines: [line('Platform fee, startup plan, October 2026', 1, 39_900)],
    subtotalPaise: 39_900,
    cgstPaise: 3_591,
    sgstPaise: 3_591,
    igstPaise: 0,
    roundOffPaise: -82,
    totalPaise: 47_000,
    amountInWords: 'Rupees Four Hundred Seventy Only',
    amountPaidPaise: 0,
    amountDuePaise: 47_000,
    advances: [],
    ...overrides,
  }
}

function fontsOf(bytes: Uint8Array) {
  return execFileSync('pdffonts', ['-'], { input: bytes }).toString('utf8')
}

test.group('Invoice PDF', () => {
  test('WinAnsi text: written with the standard fonts (nothing embedded), parsed by pdf-lib and poppler, brackets and backslashes intact', async ({
    assert,
  }) => {
    const bytes = await drawInvoice(invoice())
    const parsed = await PDFDocument.load(bytes)
    assert.equal(parsed.getPageCount(), 1)
    assert.equal(parsed.getTitle(), 'Tax Invoice XEN-VIDYA-000042')
    const text = pdfText(bytes)
    assert.include(text, 'Vidya (Learning) \\ Private Limited')
    assert.include(text, 'Rupees Four Hundred Seventy Only')
    assert.include(text, '01 Oct 2026 – 31 Oct 2026')
    const fonts = fontsOf(bytes)
    assert.match(fonts, /Helvetica-Bold\s+Type 1\s+WinAnsi\s+no\s+no/)
    // The same document drawn twice is the same bytes.
    assert.deepEqual(await drawInvoice(invoice()), bytes)
  })

  test('a name WinAnsi cannot write (Ł, the rupee sign): pdf-lib with Noto Sans embedded as a subset', async ({
    assert,
  }) => {
    const bytes = await drawInvoice(
      invoice({ recipient: { ...invoice().recipient, name: 'Łukasz Training ₹ Academy' } })
    )
    assert.include(pdfText(bytes), 'Łukasz Training ₹ Academy')
    assert.match(fontsOf(bytes), /NotoSans/)
  })

  test('sixty lines run onto more pages, each with the table’s header', async ({ assert }) => {
    const lines = Array.from({ length: 60 }, (_, index) =>
      line(`Certificates issued, ${index + 1} Oct 2026`, index + 1, 1_000)
    )
    const bytes = await drawInvoice(invoice({ lines }))
    const parsed = await PDFDocument.load(bytes)
    assert.isAbove(parsed.getPageCount(), 1)
    const pages = pdfText(bytes)
      .split('\f')
      .filter((page) => page.trim())
    for (const page of pages.slice(0, -1)) assert.include(page, 'Taxable (INR)')
    assert.include(pdfText(bytes), 'Certificates issued, 60 Oct 2026')
  })

  test('rupees are written with Indian grouping', ({ assert }) => {
    assert.equal(rupees(123_456_789), '12,34,567.89')
    assert.equal(rupees(-5), '-0.05')
    assert.equal(rupees(100_000), '1,000.00')
  })
})
