import { PDFDocument, StandardFonts, rgb } from 'pdf-lib'
import type { FieldInput } from '#templates/validators/template_fields'

/**
 * The demo org's certificate design, drawn here so a fresh install has a
 * real template to open in the designer: an A4 landscape page with a double
 * border, a title and the printed words around the fields.
 */
export async function demoDesignPdf() {
  const doc = await PDFDocument.create()
  doc.setTitle('Demo Academy certificate')
  const page = doc.addPage([841.89, 595.28])
  const serif = await doc.embedFont(StandardFonts.TimesRoman)
  const serifBold = await doc.embedFont(StandardFonts.TimesRomanBold)
  const sans = await doc.embedFont(StandardFonts.Helvetica)
  const gold = rgb(0.71, 0.55, 0.2)
  const ink = rgb(0.12, 0.16, 0.3)
  page.drawRectangle({ x: 0, y: 0, width: 841.89, height: 595.28, color: rgb(0.995, 0.985, 0.96) })
  page.drawRectangle({
    x: 22,
    y: 22,
    width: 797.89,
    height: 551.28,
    borderColor: gold,
    borderWidth: 5,
  })
  page.drawRectangle({
    x: 34,
    y: 34,
    width: 773.89,
    height: 527.28,
    borderColor: gold,
    borderWidth: 1,
  })
  const centred = (text: string, y: number, size: number, font = serif, color = ink) =>
    page.drawText(text, {
      x: (841.89 - font.widthOfTextAtSize(text, size)) / 2,
      y,
      size,
      font,
      color,
    })
  centred('DEMO ACADEMY', 500, 14, sans, gold)
  centred('Certificate of Achievement', 440, 40, serifBold)
  centred('This is to certify that', 392, 16)
  page.drawLine({
    start: { x: 190, y: 318 },
    end: { x: 651.89, y: 318 },
    thickness: 0.8,
    color: gold,
  })
  centred('has successfully completed the course', 284, 16)
  page.drawLine({ start: { x: 110, y: 130 }, end: { x: 300, y: 130 }, thickness: 0.8, color: ink })
  page.drawText('Date of issue', { x: 168, y: 114, size: 11, font: sans, color: ink })
  page.drawLine({ start: { x: 490, y: 130 }, end: { x: 680, y: 130 }, thickness: 0.8, color: ink })
  page.drawText('Director, Demo Academy', { x: 526, y: 114, size: 11, font: sans, color: ink })
  page.drawText('Certificate no.', { x: 60, y: 62, size: 9, font: sans, color: ink })
  return doc.save()
}

/** Where the demo design wants its fields (points from the top-left corner). */
export const DEMO_FIELDS: FieldInput[] = [
  {
    key: 'recipient_name',
    type: 'text',
    x: 190,
    y: 222,
    width: 461.89,
    height: 54,
    font_family: 'playfair-display',
    font_size: 38,
    bold: true,
    color: '#1f2a4d',
    align: 'center',
    required: true,
  },
  {
    key: 'course_name',
    type: 'text',
    x: 150,
    y: 322,
    width: 541.89,
    height: 36,
    font_family: 'noto-serif',
    font_size: 22,
    color: '#1f2a4d',
    align: 'center',
  },
  {
    key: 'issue_date',
    type: 'date',
    x: 110,
    y: 440,
    width: 190,
    height: 22,
    font_family: 'noto-sans',
    font_size: 13,
    color: '#1f2a4d',
    align: 'center',
    date_format: 'd MMMM yyyy',
  },
  {
    key: 'certificate_number',
    type: 'text',
    x: 128,
    y: 521,
    width: 220,
    height: 16,
    font_family: 'noto-sans',
    font_size: 9,
    color: '#1f2a4d',
    align: 'left',
  },
  { key: 'verification_url', type: 'qrcode', x: 706, y: 452, width: 80, height: 80 },
]
