import { parentPort, workerData } from 'node:worker_threads'
import { PDFDocument, StandardFonts, rgb } from 'pdf-lib'
import type { FieldSpec } from '#templates/services/field_spec'
import {
  type DataRow,
  PreparedTemplate,
  type TemplateSnapshot,
} from '#templates/services/prepared_template'
import { normalisePdf } from '#templates/services/template_source'

const FIRST = ['Ananya', 'Rahul', 'Priya', 'Vikram', 'Sneha', 'Arjun', 'Kavya', 'Rohan', 'Meera']
const LAST = ['Sharma', 'Iyer', 'Gupta', 'Reddy', 'Nair', 'Banerjee', 'Patel', 'Menon', 'Singh']
const INDIC = ['अनन्या गुप्ता', 'தமிழ்செல்வி முருகன்', 'সৌরভ গাঙ্গুলী']

function field(overrides: Partial<FieldSpec> & Pick<FieldSpec, 'key' | 'type' | 'y'>): FieldSpec {
  return {
    label: overrides.key,
    x: 80,
    width: 680,
    height: 40,
    required: false,
    fontFamily: 'noto-sans',
    fontSize: 18,
    minFontSize: 8,
    color: '#1f2937',
    align: 'center',
    bold: false,
    autoFit: true,
    dateFormat: 'd MMMM yyyy',
    assetId: null,
    qrColor: '#000000',
    ...overrides,
  }
}

/** The benchmark's template and rows (deterministic). */
export async function build(
  count: number
): Promise<{ snapshot: TemplateSnapshot; rows: DataRow[] }> {
  const doc = await PDFDocument.create()
  const page = doc.addPage([841.89, 595.28])
  const font = await doc.embedFont(StandardFonts.TimesRomanBold)
  page.drawRectangle({
    x: 24,
    y: 24,
    width: 793.89,
    height: 547.28,
    borderColor: rgb(0.7, 0.55, 0.2),
    borderWidth: 6,
  })
  page.drawText('Certificate of Completion', { x: 220, y: 480, size: 34, font })
  const source = await normalisePdf(await doc.save(), 1)
  if (source.kind !== 'ok') throw new Error('source')
  const fields = [
    field({
      key: 'recipient_name',
      type: 'text',
      y: 220,
      height: 60,
      fontFamily: 'noto-serif',
      fontSize: 36,
      bold: true,
    }),
    field({ key: 'course_name', type: 'text', y: 300, fontSize: 20 }),
    field({ key: 'grade', type: 'text', y: 345 }),
    field({ key: 'issue_date', type: 'date', y: 390, x: 80, width: 300, align: 'left' }),
    field({
      key: 'certificate_number',
      type: 'text',
      y: 430,
      x: 80,
      width: 300,
      align: 'left',
      fontFamily: 'noto-serif',
    }),
    field({ key: 'batch', type: 'text', y: 470, x: 80, width: 300, align: 'left' }),
    field({ key: 'verification_url', type: 'qrcode', y: 420, x: 680, width: 120, height: 120 }),
  ]
  const rows: DataRow[] = []
  for (let i = 0; i < count; i++) {
    rows.push({
      recipient_name:
        i % 10 === 0
          ? INDIC[(i / 10) % INDIC.length]
          : `${FIRST[i % FIRST.length]} ${LAST[(i * 7) % LAST.length]}`,
      course_name: ['Full-Stack Web Development', 'Data Science with Python', 'Cloud Architecture'][
        i % 3
      ],
      grade: ['A+', 'A', 'B+'][i % 3],
      issue_date: '2026-03-15',
      certificate_number: `ACME-2026-${String(i + 1).padStart(6, '0')}`,
      batch: `Batch ${(i % 12) + 1}`,
      verification_url: `https://authentix.example/v/${Buffer.from(String(i).padStart(18, '0')).toString('base64url')}`,
    })
  }
  return {
    snapshot: {
      sourcePdf: source.source.pdf,
      pageWidth: source.source.pageWidth,
      pageHeight: source.source.pageHeight,
      fields,
      images: {},
    },
    rows,
  }
}

/** Worker side: prepare its share and render it. */
export async function renderInThread() {
  const { snapshot, rows } = workerData as { snapshot: TemplateSnapshot; rows: DataRow[] }
  const prepared = await PreparedTemplate.prepare(snapshot, rows)
  let bytes = 0
  const createdAt = new Date()
  for (const row of rows) {
    const info = {
      title: `${row.course_name} — ${row.recipient_name}`,
      author: 'Acme Academy',
      subject: `Certificate ${row.certificate_number} issued by Acme Academy to ${row.recipient_name}. Verify it at ${row.verification_url}`,
      keywords: String(row.certificate_number),
      createdAt,
      identifier: String(row.verification_url),
      lang: 'en-IN',
    }
    bytes += prepared.render(row, info).length
  }
  parentPort!.postMessage(bytes)
}
