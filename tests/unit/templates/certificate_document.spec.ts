import { test } from '@japa/runner'
import { PDFDict, PDFDocument, PDFHexString, PDFName, PDFString } from 'pdf-lib'
import {
  type DocumentInfo,
  PreparedTemplate,
  type TemplateSnapshot,
} from '#templates/services/prepared_template'
import { normalisePdf } from '#templates/services/template_source'
import { verificationTokensIn } from '#certificates/services/document_links'
import { field, fixture } from '#tests/helpers/templates'
import { snapshotWith } from '#tests/helpers/templates'
import {
  pdfText,
  pdfFonts,
  toUnicodeCharacters,
  pdfInfo,
  pdfStructure,
  pdfXmp,
  qpdfCheck,
  resavedByQpdf,
  resavedWithoutXmp,
  unreachableObjects,
} from '#tests/helpers/pdf_tools'

/*
| A certificate is a document of its own, as tools we did not write read it
| (poppler's pdfinfo, qpdf): its title, issuer, number and verification link
| in the Info dictionary and XMP, its language, a structure tree a screen
| reader follows, and nothing unreachable inside.
*/

const TOKEN = 'q7Hc2LwX0bYtVn4kR9sJfM1aP8eZuD3g'
const LINK = `https://verify.example.in/v/${TOKEN}`

const row = {
  recipient_name: 'अनन्या गुप्ता',
  course_name: 'Data Science & <Machine> Learning',
  certificate_number: 'ACME-2026-000042',
  verification_url: `${LINK}?via=qr`,
}

const info: DocumentInfo = {
  title: `${row.course_name} — ${row.recipient_name}`,
  author: 'Acme Academy (Pune)',
  subject: `Certificate ${row.certificate_number} issued by Acme Academy (Pune) to ${row.recipient_name}. Verify it at ${LINK}`,
  keywords: row.certificate_number,
  createdAt: new Date('2026-03-15T10:20:30Z'),
  identifier: LINK,
  lang: 'en-IN',
}

/** tracemonkey.pdf's first page (a real, busy page with its own fonts) as the template of `fields`. */
async function realTemplate(fields: TemplateSnapshot['fields']): Promise<TemplateSnapshot> {
  const normalised = await normalisePdf(fixture('pdf/tracemonkey.pdf'), 1)
  if (normalised.kind !== 'ok') throw new Error(normalised.kind)
  return {
    sourcePdf: normalised.source.pdf,
    pageWidth: normalised.source.pageWidth,
    pageHeight: normalised.source.pageHeight,
    images: {},
    fields,
  }
}

async function certificateOnRealTemplate(withInfo = true) {
  const snapshot = await realTemplate([
    field({ key: 'recipient_name', type: 'text', y: 300, width: 500 }),
    field({ key: 'course_name', type: 'text', y: 380, width: 500, fontSize: 18 }),
    field({ key: 'certificate_number', type: 'text', y: 440, width: 300, fontSize: 12 }),
    field({ key: 'verification_url', type: 'qrcode', x: 480, y: 600, width: 90, height: 90 }),
  ])
  const prepared = await PreparedTemplate.prepare(snapshot, [row])
  return prepared.render(row, withInfo ? info : undefined)
}

test.group('Certificate document: metadata, tags, structure', () => {
  test('pdfinfo reads the title, issuer, subject, number and date; the XMP packet says the same and names the link', async ({
    assert,
  }) => {
    const pdf = await certificateOnRealTemplate()
    const read = pdfInfo(pdf)
    assert.equal(read.Title, 'Data Science & <Machine> Learning — अनन्या गुप्ता')
    assert.equal(read.Author, 'Acme Academy (Pune)')
    assert.equal(read.Subject, info.subject)
    assert.equal(read.Keywords, 'ACME-2026-000042')
    assert.match(read.CreationDate, /Mar 15 10:20:30 2026/)
    assert.equal(read.Producer, 'Authentix')
    assert.equal(read['Metadata Stream'], 'yes')
    assert.equal(read.Tagged, 'yes')

    const xmp = pdfXmp(pdf)
    assert.include(xmp, `<dc:identifier>${LINK}</dc:identifier>`)
    assert.include(xmp, 'Data Science &amp; &lt;Machine&gt; Learning — अनन्या गुप्ता')
    assert.include(xmp, '<rdf:li>Acme Academy (Pune)</rdf:li>')
    assert.include(xmp, '<pdf:Keywords>ACME-2026-000042</pdf:Keywords>')
    assert.include(xmp, '<xmp:CreateDate>2026-03-15T10:20:30Z</xmp:CreateDate>')

    const doc = await PDFDocument.load(pdf, { updateMetadata: false })
    const lang = doc.catalog.lookup(PDFName.of('Lang'), PDFString, PDFHexString)
    assert.equal(lang.decodeText(), 'en-IN')
  }).timeout(30_000)

  test('a screen reader finds the name, the course and the number as text, the QR code as a described figure, and the template as decoration', async ({
    assert,
  }) => {
    const pdf = await certificateOnRealTemplate()
    const structure = pdfStructure(pdf)
    const lines = structure.split('\n').map((line) => line.trim())
    assert.equal(lines[0], 'Document')
    assert.includeMembers(lines, [
      '"अनन्या गुप्ता"',
      '"Data Science & <Machine> Learning"',
      '"ACME-2026-000042"',
      'Figure:',
    ])
    // The template's own text (the paper's title and body) is an artifact: not in the tree.
    assert.notInclude(structure, 'Trace-based')
    const doc = await PDFDocument.load(pdf, { updateMetadata: false })
    const figures = doc.context
      .enumerateIndirectObjects()
      .map(([, object]) => object)
      .filter(
        (object): object is PDFDict =>
          object instanceof PDFDict && object.get(PDFName.of('S')) === PDFName.of('Figure')
      )
    assert.lengthOf(figures, 1)
    const alt = figures[0].lookup(PDFName.of('Alt')) as PDFHexString
    assert.equal(alt.decodeText(), `QR code: ${LINK}?via=qr`)
  }).timeout(30_000)

  test('qpdf finds nothing wrong, and nothing in the file is unreachable (the template’s left-overs are dropped)', async ({
    assert,
  }) => {
    for (const pdf of [await certificateOnRealTemplate(), await certificateOnRealTemplate(false)]) {
      const check = qpdfCheck(pdf)
      assert.equal(check.status, 0, check.output)
      assert.include(check.output, 'No syntax or stream encoding errors found')
      assert.deepEqual(await unreachableObjects(pdf), [])
    }
  }).timeout(30_000)

  test('the verification link is found in the certificate, in a copy qpdf re-saved, and in one re-saved without XMP and with compressed objects', async ({
    assert,
  }) => {
    const pdf = await certificateOnRealTemplate()
    const withoutXmp = await resavedWithoutXmp(pdf)
    assert.notInclude(Buffer.from(withoutXmp).toString('latin1'), TOKEN, 'only in decoded objects')
    for (const copy of [pdf, resavedByQpdf(pdf), withoutXmp]) {
      assert.deepEqual(await verificationTokensIn(copy), [TOKEN])
    }
    // Without document metadata (a preview), the QR code's description still names it.
    assert.deepEqual(await verificationTokensIn(await certificateOnRealTemplate(false)), [TOKEN])
    assert.deepEqual(await verificationTokensIn(new TextEncoder().encode('not a pdf')), [])
  }).timeout(30_000)

  test('a certificate carries only its own letters: its fonts and ToUnicode cover its text, nothing of the other recipients of its chunk', async ({
    assert,
  }) => {
    const fields = [
      field({ key: 'recipient_name', type: 'text', fontFamily: 'noto-serif', bold: true }),
      field({ key: 'course_name', type: 'text', y: 200, fontSize: 18 }),
    ]
    const rows = [
      { recipient_name: 'अनन्या गुप्ता', course_name: 'Data Science' },
      { recipient_name: 'Zoë Ærø', course_name: 'Data Science' },
      { recipient_name: 'தமிழ்செல்வி', course_name: 'Cloud Computing' },
      { recipient_name: 'Quentin Jykx', course_name: 'Data Science' },
    ]
    const prepared = await PreparedTemplate.prepare(await snapshotWith(fields), rows)
    assert.deepEqual(pdfFonts(prepared.baseBytes), [], 'the chunk base holds no font')
    for (const recipient of rows) {
      const pdf = prepared.render(recipient)
      const own = new Set(
        [...`${recipient.recipient_name}${recipient.course_name}`].filter((c) => c !== ' ')
      )
      const mapped = await toUnicodeCharacters(pdf)
      const foreign = [...mapped].filter((char) => !own.has(char) && char.trim() !== '')
      assert.deepEqual(foreign, [], `${recipient.recipient_name}: ToUnicode maps only its own text`)
      const fonts = pdfFonts(pdf)
      assert.isTrue(
        fonts.every((font) => font.embedded),
        recipient.recipient_name
      )
      const scripts = fonts.map((font) => font.name.split('+')[1])
      if (/[a-zA-Z]/.test(recipient.recipient_name))
        assert.notInclude(scripts.join(' '), 'Devanagari', recipient.recipient_name)
      if (!/[\u0B80-\u0BFF]/.test(recipient.recipient_name))
        assert.notInclude(scripts.join(' '), 'Tamil', recipient.recipient_name)
      const check = qpdfCheck(pdf)
      assert.equal(check.status, 0, check.output)
    }
  })

  test('250 recipients in one chunk, in every script we print: each PDF reads back its own name exactly (pdftotext), embeds every font (pdffonts), is clean (qpdf) and maps only its own letters', async ({
    assert,
  }) => {
    const names = [
      'Ananya Sharma',
      'Zoë Ærø-Øster',
      'अनन्या गुप्ता',
      'সৌরভ গাঙ্গুলী',
      'ਗੁਰਪ੍ਰੀਤ ਸਿੰਘ',
      'નરેન્દ્ર મોદી',
      'ସୌମ୍ୟ ମହାପାତ୍ର',
      'தமிழ்செல்வி முருகன்',
      'వెంకటేశ్వర రావు',
      'ಕುವೆಂಪು ಪುಟ್ಟಪ್ಪ',
      'മമ്മൂട്ടി കൃഷ്ണൻ',
      'محمد عمران',
      'ڪاشف سنڌي',
      'ᱥᱟᱱᱛᱟᱲᱤ ᱢᱟᱨᱰᱤ',
      'ꯃꯅꯤꯄꯨꯔ ꯁꯤꯡꯍ',
    ]
    // Each name is made unique by a number, except right-to-left ones: poppler places a number
    // beside right-to-left letters by the page's direction, not by the bidirectional algorithm
    // ("12 محمد", visually "12" on the left, reads back with the number first), so they get a
    // family name of their own script instead.
    const RTL_FAMILY_NAMES = ['قریشی', 'انصاری', 'صدیقی', 'خان', 'ملک', 'شیخ', 'مرزا']
    const nameOf = (i: number) => {
      const name = names[i % names.length]
      return /[\u0600-\u06ff]/.test(name)
        ? `${name} ${RTL_FAMILY_NAMES[i % RTL_FAMILY_NAMES.length]}`
        : `${name} ${i}`
    }
    const snapshot = await realTemplate([
      field({
        key: 'recipient_name',
        type: 'text',
        y: 300,
        width: 500,
        fontFamily: 'noto-serif',
        bold: true,
      }),
      field({ key: 'course_name', type: 'text', y: 380, width: 500, fontSize: 18 }),
      field({ key: 'certificate_number', type: 'text', y: 440, width: 300, fontSize: 12 }),
      field({ key: 'verification_url', type: 'qrcode', x: 480, y: 600, width: 90, height: 90 }),
    ])
    const recipients = Array.from({ length: 250 }, (_, i) => ({
      recipient_name: nameOf(i),
      course_name: ['Data Science', 'Cloud Computing', 'Full-Stack Web Development'][i % 3],
      certificate_number: `ACME-2026-${String(i + 1).padStart(6, '0')}`,
      verification_url: `${LINK}?n=${i}`,
    }))
    const prepared = await PreparedTemplate.prepare(snapshot, recipients)
    const template = new Set(pdfText(snapshot.sourcePdf))
    const problems: string[] = []
    await Promise.all(
      [0, 1].map(async (lane) => {
        for (let i = lane; i < recipients.length; i += 2) {
          const recipient = recipients[i]
          const pdf = prepared.render(recipient)
          // Poppler marks right-to-left text with embedding controls (RLE … PDF) around it.
          const text = pdfText(pdf)
            .replace(/[\u202a-\u202e]/g, '')
            .normalize('NFC')
          if (!text.includes(recipient.recipient_name.normalize('NFC')))
            problems.push(`${i}: pdftotext has no "${recipient.recipient_name}"`)
          if (!pdfFonts(pdf).every((font) => font.embedded || font.name === 'Times-Roman'))
            problems.push(`${i}: a font is not embedded`)
          if (qpdfCheck(pdf).status !== 0) problems.push(`${i}: qpdf --check`)
          // A glyph of a cluster stands for a piece of it: its characters decomposed (NFD) count as its own.
          const ownText = Object.values(recipient).join('')
          const own = new Set(
            [...ownText, ...ownText.normalize('NFD')].filter((char) => char.trim() !== '')
          )
          // The zero-width space is what a cluster's spare glyphs stand for (Nastaliq draws a
          // letter's dots apart): no one's letter.
          const foreign = [...(await toUnicodeCharacters(pdf))].filter(
            (char) =>
              !own.has(char) && !template.has(char) && char.trim() !== '' && char !== '\u200b'
          )
          if (foreign.length) problems.push(`${i}: ToUnicode maps ${foreign.join(' ')}`)
        }
      })
    )
    assert.deepEqual(problems, [], problems.slice(0, 10).join('\n'))
  }).timeout(180_000)
})
