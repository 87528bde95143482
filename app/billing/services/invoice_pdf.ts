import { readFileSync } from 'node:fs'
import {
  type Canvas,
  type Color,
  PdfLibCanvas,
  StandardFontCanvas,
  winAnsiCovers,
} from '#billing/services/pdf_canvas'

/**
 * A GST tax invoice or credit note as a PDF (CGST Rules 46 and 53): the
 * supplier and the recipient with their GSTINs and states, number and date,
 * place of supply, reverse charge, each line with its SAC, quantity, rate,
 * taxable value and its CGST + SGST or IGST, the totals, the round-off, the
 * amount in words, and for a credit note the invoice it corrects. Drawn with
 * the invoice's own stored snapshot (never from the org as it is now), in a
 * worker thread (`invoice_tasks.ts`).
 *
 * Text is set in Helvetica when every character is in its encoding (almost
 * always: `StandardFontCanvas`, which embeds nothing and writes the PDF
 * itself); otherwise with pdf-lib in Noto Sans, embedded as a subset, which
 * also draws the rupee sign and most Latin-script names (`PdfLibCanvas`).
 */
export interface InvoiceDocument {
  kind: 'invoice' | 'credit_note' | 'receipt_voucher'
  number: string
  issueDate: string
  dueDate: string | null
  periodStart: string | null
  periodEnd: string | null
  /** What a credit note corrects: an invoice, or for a refund of an advance its receipt voucher. */
  original: {
    kind: 'invoice' | 'credit_note' | 'receipt_voucher'
    number: string
    issueDate: string
  } | null
  supplier: Party
  recipient: Party
  placeOfSupply: string | null
  intraState: boolean
  sac: string
  lines: {
    description: string
    quantity: number
    unitPaise: number
    taxablePaise: number
    rateBasisPoints: number
    cgstPaise: number
    sgstPaise: number
    igstPaise: number
    totalPaise: number
  }[]
  subtotalPaise: number
  cgstPaise: number
  sgstPaise: number
  igstPaise: number
  roundOffPaise: number
  totalPaise: number
  amountInWords: string
  amountPaidPaise: number
  amountDuePaise: number
  /** Advances (receipt vouchers) that paid an invoice: part of `amountPaidPaise`. */
  advances: { number: string; issueDate: string; paise: number }[]
}

interface Party {
  name: string
  address_lines: string[]
  state: string | null
  state_code: string | null
  gstin: string | null
  email?: string | null
}

const FONTS = new URL('../../../resources/fonts/noto-sans/', import.meta.url)
let notoSans: { regular: Uint8Array; bold: Uint8Array } | null = null

function notoSansBytes() {
  notoSans ??= {
    regular: readFileSync(new URL('NotoSans_400Regular.ttf', FONTS)),
    bold: readFileSync(new URL('NotoSans_700Bold.ttf', FONTS)),
  }
  return notoSans
}

/** 1234567 paise → "12,345.67" (Indian grouping; negative with a minus sign). */
export function rupees(paise: number) {
  const negative = paise < 0
  const magnitude = Math.abs(paise)
  const whole = Math.floor(magnitude / 100).toString()
  const last3 = whole.slice(-3)
  const rest = whole.slice(0, -3)
  const grouped = rest ? `${rest.replace(/\B(?=(\d{2})+(?!\d))/g, ',')},${last3}` : last3
  return `${negative ? '-' : ''}${grouped}.${String(magnitude % 100).padStart(2, '0')}`
}

function percent(basisPoints: number) {
  const value = basisPoints / 100
  return `${Number.isInteger(value) ? value : value.toFixed(2).replace(/0$/, '')}%`
}

const DATE = new Intl.DateTimeFormat('en-IN', {
  day: '2-digit',
  month: 'short',
  year: 'numeric',
  timeZone: 'UTC',
})

function day(value: string | null) {
  return value ? DATE.format(new Date(`${value}T00:00:00Z`)) : ''
}

function allText(document: InvoiceDocument) {
  const parties = [document.supplier, document.recipient].flatMap((party) => [
    party.name,
    ...party.address_lines,
    party.state ?? '',
    party.email ?? '',
  ])
  return [...parties, ...document.lines.map((line) => line.description), document.amountInWords]
}

async function canvasFor(document: InvoiceDocument): Promise<Canvas> {
  if (winAnsiCovers(allText(document))) return new StandardFontCanvas()
  return PdfLibCanvas.create(notoSansBytes())
}

const INK: Color = [0.1, 0.1, 0.12]
const MUTED: Color = [0.38, 0.4, 0.45]
const RULE: Color = [0.8, 0.82, 0.86]
const MARGIN = 40

class Writer {
  y: number
  constructor(public canvas: Canvas) {
    this.y = canvas.height - MARGIN
  }

  text(
    value: string,
    x: number,
    y: number,
    options: { size?: number; bold?: boolean; color?: Color; right?: number } = {}
  ) {
    const size = options.size ?? 9
    const bold = options.bold ?? false
    const left =
      options.right === undefined ? x : options.right - this.canvas.widthOf(value, size, bold)
    this.canvas.text(value, left, y, size, bold, options.color ?? INK)
  }

  /** Wraps `value` to `width`, returns the lines. */
  wrap(value: string, width: number, size = 9, bold = false) {
    const lines: string[] = []
    let line = ''
    for (const word of value.split(/\s+/)) {
      const candidate = line ? `${line} ${word}` : word
      if (line && this.canvas.widthOf(candidate, size, bold) > width) {
        lines.push(line)
        line = word
      } else {
        line = candidate
      }
    }
    if (line) lines.push(line)
    return lines
  }

  rule(y: number) {
    this.canvas.line(MARGIN, y, this.canvas.width - MARGIN, y, 0.6, RULE)
  }

  /** A new page when fewer than `needed` points are left (true when one was added). */
  room(needed: number) {
    if (this.y - needed >= MARGIN + 30) return false
    this.canvas.addPage()
    this.y = this.canvas.height - MARGIN
    return true
  }
}

function partyLines(party: Party, registeredLabel: string) {
  const lines = [...party.address_lines]
  if (party.state)
    lines.push(`State: ${party.state}${party.state_code ? ` (${party.state_code})` : ''}`)
  lines.push(party.gstin ? `GSTIN: ${party.gstin}` : registeredLabel)
  return lines
}

/** A document's title and the label of its number: a refund of an advance is a refund voucher (Rule 51). */
function titleOf(document: InvoiceDocument) {
  switch (document.kind) {
    case 'invoice':
      return { title: 'Tax Invoice', numberLabel: 'Invoice no.' }
    case 'receipt_voucher':
      return { title: 'Receipt Voucher', numberLabel: 'Voucher no.' }
    case 'credit_note':
      return document.original?.kind === 'receipt_voucher'
        ? { title: 'Refund Voucher', numberLabel: 'Voucher no.' }
        : { title: 'Credit Note', numberLabel: 'Credit note no.' }
  }
}

export async function drawInvoice(document: InvoiceDocument): Promise<Uint8Array> {
  const creditNote = document.kind === 'credit_note'
  const voucher = document.kind === 'receipt_voucher'
  const { title, numberLabel } = titleOf(document)
  const canvas = await canvasFor(document)
  const w = new Writer(canvas)
  const right = canvas.width - MARGIN

  // Supplier (left) and the document's title and number (right).
  w.text(document.supplier.name, MARGIN, w.y, { size: 13, bold: true })
  w.text(title.toUpperCase(), 0, w.y, { size: 16, bold: true, right })
  let left = w.y - 16
  for (const line of partyLines(document.supplier, '')) {
    w.text(line, MARGIN, left, { color: MUTED })
    left -= 12
  }
  if (document.supplier.email) {
    w.text(document.supplier.email, MARGIN, left, { color: MUTED })
    left -= 12
  }
  const facts: [string, string][] = [
    [numberLabel, document.number],
    ['Date', day(document.issueDate)],
  ]
  if (document.original) {
    const against = document.original.kind === 'receipt_voucher' ? 'receipt voucher' : 'invoice'
    facts.push([`Against ${against}`, document.original.number])
    facts.push([
      `${against === 'invoice' ? 'Invoice' : 'Voucher'} date`,
      day(document.original.issueDate),
    ])
  }
  if (document.periodStart && document.periodEnd) {
    facts.push(['Period', `${day(document.periodStart)} – ${day(document.periodEnd)}`])
  }
  if (document.dueDate && !creditNote) facts.push(['Due by', day(document.dueDate)])
  facts.push([
    'Place of supply',
    document.recipient.state
      ? `${document.recipient.state}${document.placeOfSupply ? ` (${document.placeOfSupply})` : ''}`
      : (document.placeOfSupply ?? '—'),
  ])
  facts.push(['Reverse charge', 'No'])
  let factsY = w.y - 20
  for (const [label, value] of facts) {
    w.text(label, 0, factsY, { color: MUTED, right: right - 140 })
    w.text(value, 0, factsY, { bold: true, right })
    factsY -= 12
  }
  w.y = Math.min(left, factsY) - 10
  w.rule(w.y)
  w.y -= 18

  // The recipient.
  w.text(voucher ? 'Received from' : 'Bill to', MARGIN, w.y, { color: MUTED })
  w.y -= 13
  w.text(document.recipient.name, MARGIN, w.y, { size: 11, bold: true })
  w.y -= 13
  for (const line of partyLines(document.recipient, 'GSTIN: Unregistered')) {
    w.text(line, MARGIN, w.y)
    w.y -= 12
  }
  w.y -= 10

  // The lines.
  const taxColumns: [string, (line: InvoiceDocument['lines'][number]) => number][] =
    document.intraState
      ? [
          ['CGST', (line) => line.cgstPaise],
          ['SGST', (line) => line.sgstPaise],
        ]
      : [['IGST', (line) => line.igstPaise]]
  // Right edges of the figures, from the page's right margin leftwards (54 points apart).
  const step = 54
  const taxRights = taxColumns.map((_, index) => right - step * (taxColumns.length - index))
  const taxableRight = taxRights[0] - step
  const columns = {
    number: MARGIN,
    description: MARGIN + 16,
    sac: taxableRight - step * 2 - 62,
    quantity: taxableRight - step * 2 + 4,
    rate: taxableRight - step,
    taxable: taxableRight,
    tax: taxRights,
    total: right,
  }
  const header = () => {
    w.rule(w.y + 12)
    w.text('#', columns.number, w.y, { bold: true, size: 8 })
    w.text('Description', columns.description, w.y, { bold: true, size: 8 })
    w.text('SAC', columns.sac, w.y, { bold: true, size: 8 })
    w.text('Qty', 0, w.y, { bold: true, size: 8, right: columns.quantity })
    w.text('Rate (INR)', 0, w.y, { bold: true, size: 8, right: columns.rate })
    w.text('Taxable (INR)', 0, w.y, { bold: true, size: 8, right: columns.taxable })
    taxColumns.forEach(([name], index) => {
      w.text(name, 0, w.y, { bold: true, size: 8, right: columns.tax[index] })
    })
    w.text('Total (INR)', 0, w.y, { bold: true, size: 8, right: columns.total })
    w.y -= 6
    w.rule(w.y)
    w.y -= 12
  }
  header()
  document.lines.forEach((line, index) => {
    const description = w.wrap(line.description, columns.sac - columns.description - 8, 8)
    if (w.room(12 * description.length + 10)) header()
    w.text(String(index + 1), columns.number, w.y, { size: 8 })
    description.forEach((text, row) =>
      w.text(text, columns.description, w.y - row * 10, { size: 8 })
    )
    w.text(document.sac, columns.sac, w.y, { size: 8 })
    w.text(line.quantity.toLocaleString('en-IN'), 0, w.y, { size: 8, right: columns.quantity })
    w.text(rupees(line.unitPaise), 0, w.y, { size: 8, right: columns.rate })
    w.text(rupees(line.taxablePaise), 0, w.y, { size: 8, right: columns.taxable })
    taxColumns.forEach(([, pick], column) => {
      const rate = document.intraState ? line.rateBasisPoints / 2 : line.rateBasisPoints
      w.text(`${rupees(pick(line))}`, 0, w.y, { size: 8, right: columns.tax[column] })
      w.text(`@ ${percent(rate)}`, 0, w.y - 9, {
        size: 7,
        color: MUTED,
        right: columns.tax[column],
      })
    })
    w.text(rupees(line.totalPaise), 0, w.y, { size: 8, right: columns.total })
    w.y -= Math.max(description.length * 10, 18) + 4
  })
  w.rule(w.y + 6)
  w.y -= 10

  // Totals.
  const totals: [string, number, boolean?][] = [['Taxable value', document.subtotalPaise]]
  if (document.intraState) {
    totals.push(['CGST', document.cgstPaise], ['SGST', document.sgstPaise])
  } else {
    totals.push(['IGST', document.igstPaise])
  }
  if (document.roundOffPaise !== 0) totals.push(['Round off', document.roundOffPaise])
  const totalLabel = creditNote
    ? 'Total credited (INR)'
    : voucher
      ? 'Advance received (INR)'
      : 'Total (INR)'
  totals.push([totalLabel, document.totalPaise, true])
  if (document.kind === 'invoice' && document.amountPaidPaise > 0) {
    let fromAdvances = 0
    for (const advance of document.advances) {
      totals.push([`Paid from advance ${advance.number}`, advance.paise])
      fromAdvances += advance.paise
    }
    if (document.amountPaidPaise > fromAdvances) {
      totals.push(['Paid', document.amountPaidPaise - fromAdvances])
    }
    totals.push(['Amount due (INR)', document.amountDuePaise, true])
  }
  w.room(14 * totals.length + 60)
  for (const [label, paise, strong] of totals) {
    w.text(label, 0, w.y, { bold: strong, right: right - 110, size: strong ? 10 : 9 })
    w.text(rupees(paise), 0, w.y, { bold: strong, right, size: strong ? 10 : 9 })
    w.y -= strong ? 16 : 13
  }
  w.y -= 4
  for (const line of w.wrap(
    `Amount in words: ${document.amountInWords}`,
    right - MARGIN,
    9,
    true
  )) {
    w.text(line, MARGIN, w.y, { bold: true })
    w.y -= 12
  }
  w.y -= 10
  const notes = [
    ...(voucher
      ? [
          'Receipt voucher for an advance (CGST Rules, rule 50): the GST on it is paid as it is received, and the tax invoices it pays say so.',
        ]
      : []),
    `SAC ${document.sac}. Tax is computed per line and rounded to the paisa; ${
      document.intraState
        ? 'supply within the state: CGST and SGST.'
        : 'supply to another state: IGST.'
    }`,
    'Whether tax is payable on reverse charge: No.',
    'This is a computer-generated document and needs no signature.',
  ]
  for (const note of notes) {
    for (const line of w.wrap(note, right - MARGIN, 8)) {
      w.room(12)
      w.text(line, MARGIN, w.y, { size: 8, color: MUTED })
      w.y -= 11
    }
  }
  return canvas.save({
    title: `${title} ${document.number}`,
    author: document.supplier.name,
    subject: `${title} ${document.number} for ${document.recipient.name}`,
    date: document.issueDate,
  })
}
