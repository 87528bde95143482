/*
| The data bench/verify.js measures, made inside a booted app (database and
| storage as its environment sets) through the real actions: the bench org,
| a one-page template (three text fields and the QR code), a recipient list
| of BENCH_CERTIFICATES rows issued by the queue worker as the web process
| runs it, BENCH_LISTS more lists of the same size left ready for the jobs
| the bench starts through the API while it measures, and an API key. The
| raw verification tokens are derived from the issued certificates' ids as
| the app derives them (`verificationToken`: only their hashes are stored).
| Writes all of it as JSON to BENCH_SEED_OUT and prints one JSON line.
*/
import { writeFileSync } from 'node:fs'
import { benchOrg, bootApp } from './_app.js'

const app = await bootApp()

const { default: CreateTemplate } = await import('#templates/actions/create_template')
const { default: SaveTemplateFields } = await import('#templates/actions/save_template_fields')
const { default: CreateImport } = await import('#imports/actions/create_import')
const { default: CreateGenerationJob } = await import('#certificates/actions/create_generation_job')
const { default: CreateApiKey } = await import('#orgs/actions/create_api_key')
const { verificationToken } = await import('#certificates/services/verification_links')
const { QueueWorker } = await import('#core/queue/worker')
const { default: db } = await import('@adonisjs/lucid/services/db')
const { PDFDocument, StandardFonts, rgb } = await import('pdf-lib')

const CERTIFICATES = Number(process.env.BENCH_CERTIFICATES ?? 10_000)
const LISTS = Number(process.env.BENCH_LISTS ?? 0)
const OUT = process.env.BENCH_SEED_OUT
if (!Number.isInteger(CERTIFICATES) || CERTIFICATES < 1)
  throw new Error(
    `BENCH_CERTIFICATES must be a positive integer, not "${process.env.BENCH_CERTIFICATES}"`
  )
if (!OUT) throw new Error('BENCH_SEED_OUT (the file the seed is written to) is not set')

async function designPdf() {
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
  page.drawText('Degree Certificate', {
    x: 250,
    y: 480,
    size: 34,
    font,
    color: rgb(0.2, 0.2, 0.35),
  })
  return doc.save()
}

const FIELDS = [
  {
    key: 'recipient_name',
    type: 'text',
    x: 80,
    y: 220,
    width: 680,
    height: 60,
    font_family: 'noto-serif',
    font_size: 36,
    bold: true,
    align: 'center',
  },
  {
    key: 'course_name',
    type: 'text',
    x: 80,
    y: 300,
    width: 680,
    height: 40,
    font_family: 'noto-sans',
    font_size: 20,
    align: 'center',
  },
  {
    key: 'certificate_number',
    type: 'text',
    x: 80,
    y: 430,
    width: 300,
    height: 40,
    font_family: 'noto-sans',
    font_size: 18,
    align: 'left',
  },
  { key: 'verification_url', type: 'qrcode', x: 680, y: 420, width: 120, height: 120 },
] as const

const FIRST = ['Aarav', 'Vivaan', 'Aditya', 'Diya', 'Ananya', 'Ishaan', 'Saanvi', 'Kabir', 'Meera']
const LAST = ['Sharma', 'Iyer', 'Reddy', 'Nair', 'Gupta', 'Banerjee', 'Patel', 'Menon']
const COURSES = ['B.Tech Computer Science', 'B.Sc Physics', 'M.A. Economics', 'B.Com']

/** With BENCH_PHONES=1 every graduate also has a mobile number (bench/deliver.js sends WhatsApp). */
const PHONES = process.env.BENCH_PHONES === '1'

/** A convocation's graduates: `count` rows, one Indic name in every ten. */
function graduatesCsv(count: number, list: number) {
  const lines = [`Full Name,Email Address,Course${PHONES ? ',Mobile' : ''}`]
  for (let i = 0; i < count; i++) {
    const name =
      i % 10 === 0 ? 'अनन्या गुप्ता' : `${FIRST[i % FIRST.length]} ${LAST[(i * 7) % LAST.length]}`
    const phone = PHONES
      ? `,+91 9${String(list).padStart(2, '0')}${String(i).padStart(7, '0')}`
      : ''
    lines.push(`${name},graduate.${list}.${i}@example.in,${COURSES[i % COURSES.length]}${phone}`)
  }
  return new TextEncoder().encode(`${lines.join('\r\n')}\r\n`)
}

const org = await benchOrg()
const created = await CreateTemplate.handle({
  org,
  name: 'Degree certificate',
  upload: { bytes: await designPdf(), originalName: 'degree.pdf' },
  page: 1,
  taxonomy: {},
  actorUserId: null,
})
if (created.kind !== 'created') throw new Error(`template not created: ${created.kind}`)
const saved = await SaveTemplateFields.handle({
  org,
  templateId: created.template.id,
  fields: FIELDS as any,
  actorUserId: null,
})
if (saved.kind !== 'saved') throw new Error(`fields not saved: ${JSON.stringify(saved)}`)
const templateId = created.template.id

async function importList(count: number, list: number) {
  const result = await CreateImport.handle({
    org,
    file: { bytes: graduatesCsv(count, list), originalName: `graduates-${list}.csv` },
    templateIds: [templateId],
    actorUserId: null,
  })
  if (result.kind !== 'created') throw new Error(`list not imported: ${JSON.stringify(result)}`)
  const read = await result.run
  if (read.kind !== 'ready') throw new Error(`list ${read.kind}: ${JSON.stringify(read)}`)
  return result.job.id
}

const started = performance.now()
const job = await CreateGenerationJob.handle({
  org,
  templateIds: [templateId],
  importId: await importList(CERTIFICATES, 0),
  issueDate: '2026-03-15',
  expiry: { mode: 'none' },
  start: true,
  actorUserId: null,
})
if (job.kind !== 'created') throw new Error(`job not created: ${JSON.stringify(job)}`)

// Issued by the queue worker the web process runs, until the job's row says it is finished.
const worker = new QueueWorker()
worker.start()
let row: { status: string; completed_items: number; failed_items: number }
for (;;) {
  row = await db
    .from('certificate_generation_jobs')
    .where('id', job.job.id)
    .select('status', 'completed_items', 'failed_items')
    .first()
  if (['completed', 'failed', 'cancelled'].includes(row.status)) break
  await new Promise((resolve) => setTimeout(resolve, 100))
}
await worker.stop()
if (row.status !== 'completed') throw new Error(`seed job ${row.status}: ${JSON.stringify(row)}`)
const issueSeconds = (performance.now() - started) / 1000

const issued: { id: string }[] = await db
  .from('certificates')
  .where('generation_job_id', job.job.id)
  .where('status', 'issued')
  .orderBy('sequence_number', 'asc')
  .select('id')
const ids = issued.map((certificate) => certificate.id)
if (ids.length !== CERTIFICATES)
  throw new Error(`${ids.length} certificates issued, ${CERTIFICATES} expected`)

const lists: string[] = []
for (let list = 1; list <= LISTS; list++) lists.push(await importList(CERTIFICATES, list))

const { secret } = await CreateApiKey.handle({
  org,
  name: 'Verify bench',
  createdBy: null,
  via: 'cli',
})

writeFileSync(
  OUT,
  JSON.stringify({
    jobId: job.job.id,
    tokens: ids.map((id) => verificationToken(id)),
    apiKey: secret,
    templateId,
    importIds: lists,
  })
)
console.log(
  JSON.stringify({
    bench: 'verify_seed',
    certificates: ids.length,
    issue_s: Math.round(issueSeconds * 10) / 10,
    lists: lists.length,
  })
)
await app.terminate()
process.exit(0)
