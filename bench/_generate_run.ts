/*
| One engine's and one list size's run of the generation benchmark, inside
| a booted app (database and storage as configured by the environment
| bench/generate.js sets). Creates an org, a template (six text fields in
| two fonts and a QR code) and its recipient list through the real
| actions, warms the rendering threads with a 2,000-recipient job, then issues the
| measured job through the queue worker `npm start` runs. Afterwards the
| same certificates' data is rendered by @pdfme/generator in one batch for
| comparison. Prints one JSON line.
*/
import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { benchOrg, bootApp, childrenRssMb } from './_app.js'

const app = await bootApp()

const { default: CreateTemplate } = await import('#templates/actions/create_template')
const { default: SaveTemplateFields } = await import('#templates/actions/save_template_fields')
const { default: OrgTemplates } = await import('#templates/queries/org_templates')
const { default: CreateImport } = await import('#imports/actions/create_import')
const { default: CreateGenerationJob } = await import('#certificates/actions/create_generation_job')
const { QueueWorker } = await import('#core/queue/worker')
const { renderThreads } = await import('#certificates/services/render_threads')
const { cachedSnapshot } = await import('#certificates/services/snapshot_cache')
const { renderRow } = await import('#certificates/services/issuance_rows')
const { default: StoredFile } = await import('#core/models/stored_file')
const { storageKey } = await import('#core/services/storage_keys')
const { default: db } = await import('@adonisjs/lucid/services/db')
const { PDFDocument, StandardFonts, rgb } = await import('pdf-lib')
const { DateTime } = await import('luxon')

const RECIPIENTS = Number(process.env.BENCH_RECIPIENTS)
const PDFME_MAX = Number(process.env.BENCH_PDFME_MAX ?? 1000)
const LANES = process.env.BENCH_LANES ? Number(process.env.BENCH_LANES) : renderThreads()
const WARM = Number(process.env.BENCH_WARM ?? 2000)
const CASE = process.env.BENCH_CASE === 'realistic' ? 'realistic' : 'simple'

// ---------------------------------------------------------------- memory

/** The kernel's high-water mark of this process's resident memory (all its threads), MB. */
function highWaterMb() {
  try {
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))
    return hwm ? Number(hwm[1]) / 1024 : 0
  } catch {
    return 0
  }
}

/** Resets the high-water mark to the current RSS (Linux: `5` to clear_refs), so the peak is the measured run's. */
function resetHighWater() {
  try {
    writeFileSync('/proc/self/clear_refs', '5')
  } catch {}
}

/** CPU seconds so far of each thread of this process (Linux), by thread id: user + system, and the two apart. */
function threadCpuSplit(): Map<string, { user: number; system: number }> {
  const out = new Map<string, { user: number; system: number }>()
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      try {
        const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
        // utime, stime in USER_HZ (100)
        out.set(tid, { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 })
      } catch {}
    }
  } catch {}
  return out
}

// ---------------------------------------------------------------- diagnostics (BENCH_TRACE=1, BENCH_PROFILE=<file>)

/**
 * BENCH_TRACE=1: while the measured job runs, this process's GC pauses over
 * 8 ms, SQLite statements over 8 ms (better-sqlite3 blocks the loop while
 * one runs) and loop stalls over 30 ms, then each thread's user/system CPU,
 * on stderr (bench/generate.js passes it through). BENCH_PROFILE=<file>: a
 * CPU profile of this thread over the measured job.
 */
const TRACE = process.env.BENCH_TRACE === '1'
const trace: string[] = []
let traceFrom: number | null = null
const note = (at: number, line: string) => {
  if (traceFrom !== null && at >= traceFrom)
    trace.push(`${(at - traceFrom).toFixed(0).padStart(6)} ms  ${line}`)
}
if (TRACE) {
  const { PerformanceObserver } = await import('node:perf_hooks')
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries())
      if (entry.duration > 8)
        note(
          entry.startTime,
          `gc (kind ${(entry as any).detail?.kind}) ${entry.duration.toFixed(1)} ms`
        )
  }).observe({ entryTypes: ['gc'] })
  const { createRequire } = await import('node:module')
  const BetterSqlite = createRequire(import.meta.url)('better-sqlite3')
  const probe = new BetterSqlite(':memory:')
  const statement = Object.getPrototypeOf(probe.prepare('select 1'))
  probe.close()
  for (const method of ['run', 'all', 'get']) {
    const original = statement[method]
    statement[method] = function (this: { source: string }, ...args: unknown[]) {
      const at = performance.now()
      const result = original.apply(this, args)
      const took = performance.now() - at
      if (took > 8)
        note(at, `sql ${took.toFixed(1)} ms  ${this.source.slice(0, 90).replace(/\s+/g, ' ')}`)
      return result
    }
  }
  let last = performance.now()
  setInterval(() => {
    const now = performance.now()
    if (now - last > 30) note(last, `loop stalled ${(now - last).toFixed(1)} ms`)
    last = now
  }, 5).unref()
}

// ---------------------------------------------------------------- scenario

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
  page.drawText('Certificate of Completion', {
    x: 220,
    y: 480,
    size: 34,
    font,
    color: rgb(0.2, 0.2, 0.35),
  })
  return doc.save()
}

// The shape of bench/_render_scenario.ts, as the designer/API would send it.
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
    key: 'grade',
    type: 'text',
    x: 80,
    y: 345,
    width: 680,
    height: 40,
    font_family: 'noto-sans',
    font_size: 18,
    align: 'center',
  },
  {
    key: 'issue_date',
    type: 'date',
    x: 80,
    y: 390,
    width: 300,
    height: 40,
    font_family: 'noto-sans',
    font_size: 18,
    align: 'left',
    date_format: 'd MMMM yyyy',
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
  {
    key: 'batch',
    type: 'text',
    x: 80,
    y: 470,
    width: 300,
    height: 40,
    font_family: 'noto-sans',
    font_size: 18,
    align: 'left',
  },
  { key: 'verification_url', type: 'qrcode', x: 680, y: 420, width: 120, height: 120 },
] as const

/**
 * The realistic case: four text fields and a QR code over a real page (tracemonkey.pdf's first:
 * its own fonts, a figure, two columns of text), as an org that uploads its designer's PDF has.
 */
const REALISTIC_FIELDS = [
  {
    key: 'recipient_name',
    type: 'text',
    x: 60,
    y: 300,
    width: 492,
    height: 50,
    font_family: 'noto-serif',
    font_size: 30,
    bold: true,
    align: 'center',
  },
  {
    key: 'course_name',
    type: 'text',
    x: 60,
    y: 360,
    width: 492,
    height: 34,
    font_family: 'noto-sans',
    font_size: 18,
    align: 'center',
  },
  {
    key: 'issue_date',
    type: 'date',
    x: 60,
    y: 640,
    width: 240,
    height: 28,
    font_family: 'noto-sans',
    font_size: 12,
    align: 'left',
    date_format: 'd MMMM yyyy',
  },
  {
    key: 'certificate_number',
    type: 'text',
    x: 60,
    y: 670,
    width: 240,
    height: 28,
    font_family: 'noto-sans',
    font_size: 12,
    align: 'left',
  },
  { key: 'verification_url', type: 'qrcode', x: 462, y: 630, width: 90, height: 90 },
] as const

/** First names and family names in each of the 13 scripts we print: 9 names a script. */
const SCRIPT_NAMES: Array<[string[], string[]]> = [
  [
    ['Aarav', 'Zoë', 'Meera'],
    ['Sharma', 'D’Souza', 'Fernandes'],
  ],
  [
    ['अनन्या', 'श्रीकृष्ण', 'हर्षवर्धन'],
    ['गुप्ता', 'त्रिपाठी', 'क्षत्रिय'],
  ],
  [
    ['সৌরভ', 'রবীন্দ্রনাথ', 'সৌমিত্র'],
    ['গাঙ্গুলী', 'ঠাকুর', 'চট্টোপাধ্যায়'],
  ],
  [
    ['ਗੁਰਪ੍ਰੀਤ', 'ਹਰਿੰਦਰ', 'ਜਸਪ੍ਰੀਤ'],
    ['ਸਿੰਘ', 'ਕੌਰ', 'ਢਿੱਲੋਂ'],
  ],
  [
    ['નરેન્દ્ર', 'દ્રષ્ટિ', 'હાર્દિક'],
    ['પ્રજાપતિ', 'પટેલ', 'શાહ'],
  ],
  [
    ['ସୌମ୍ୟ', 'ଶ୍ରୀକାନ୍ତ', 'ପ୍ରିୟଙ୍କା'],
    ['ମହାପାତ୍ର', 'ଦାସ', 'ମିଶ୍ର'],
  ],
  [
    ['தமிழ்செல்வி', 'ஸ்ரீநிவாஸ்', 'கௌசல்யா'],
    ['முருகன்', 'கிருஷ்ணன்', 'சுப்ரமணியம்'],
  ],
  [
    ['వెంకటేశ్వర', 'శ్రీనివాస్', 'లక్ష్మీ'],
    ['రావు', 'రెడ్డి', 'నాయుడు'],
  ],
  [
    ['ಕುವೆಂಪು', 'ಶ್ರೀಧರ್', 'ಲಕ್ಷ್ಮೀ'],
    ['ಪುಟ್ಟಪ್ಪ', 'ಹೆಗಡೆ', 'ಶೆಟ್ಟಿ'],
  ],
  [
    ['മമ്മൂട്ടി', 'ശ്രീക്കുട്ടൻ', 'ലക്ഷ്മി'],
    ['കൃഷ്ണൻ', 'നായർ', 'മേനോൻ'],
  ],
  [
    ['محمد', 'فاطمہ', 'عمران'],
    ['قریشی', 'انصاری', 'صدیقی'],
  ],
  [
    ['ᱥᱟᱱᱛᱟᱲᱤ', 'ᱵᱤᱨᱥᱟ', 'ᱥᱤᱫᱚ'],
    ['ᱢᱟᱨᱰᱤ', 'ᱦᱟᱸᱥᱫᱟ', 'ᱢᱩᱨᱢᱩ'],
  ],
  [
    ['ꯃꯅꯤꯄꯨꯔ', 'ꯇꯣꯝꯕꯤ', 'ꯆꯥꯅꯨ'],
    ['ꯁꯤꯡꯍ', 'ꯃꯩꯇꯩ', 'ꯂꯩꯁꯥꯡꯊꯦꯝ'],
  ],
]

/** Recipient `i`'s name in the realistic case: the scripts in turn, first and family names varied. */
function realisticName(i: number) {
  const [first, last] = SCRIPT_NAMES[i % SCRIPT_NAMES.length]
  const round = Math.floor(i / SCRIPT_NAMES.length)
  return `${first[round % first.length]} ${last[Math.floor(round / first.length) % last.length]}`
}

const FIRST = [
  'Aarav',
  'Vivaan',
  'Aditya',
  'Diya',
  'Ananya',
  'Ishaan',
  'Saanvi',
  'Kabir',
  'Meera',
  'Rohan',
]
const LAST = ['Sharma', 'Iyer', 'Reddy', 'Nair', 'Gupta', 'Banerjee', 'Patel', 'Menon']
const COURSES = [
  'Full Stack Web Development',
  'Data Science with Python',
  'UI/UX Design Fundamentals',
]

/** A recipient list of `count` rows: one Indic name in every ten (simple), every script in turn (realistic). */
function recipientsCsv(count: number) {
  if (CASE === 'realistic') {
    const rows = ['Full Name,Email Address,Course']
    for (let i = 0; i < count; i++)
      rows.push(`${realisticName(i)},learner.${i}@example.in,${COURSES[i % COURSES.length]}`)
    return new TextEncoder().encode(`${rows.join('\r\n')}\r\n`)
  }
  const lines = ['Full Name,Email Address,Course,Grade,Batch']
  for (let i = 0; i < count; i++) {
    const name =
      i % 10 === 0 ? 'अनन्या गुप्ता' : `${FIRST[i % FIRST.length]} ${LAST[(i * 7) % LAST.length]}`
    lines.push(
      `${name},learner.${i}@example.in,${COURSES[i % COURSES.length]},${['A+', 'A', 'B+', 'B'][i % 4]},Batch ${(i % 12) + 1}`
    )
  }
  return new TextEncoder().encode(`${lines.join('\r\n')}\r\n`)
}

const org = await benchOrg()

const created = await CreateTemplate.handle({
  org,
  name: 'Course completion',
  upload:
    CASE === 'realistic'
      ? {
          bytes: new Uint8Array(readFileSync(process.env.BENCH_TEMPLATE_PDF!)),
          originalName: 'tracemonkey.pdf',
        }
      : { bytes: await designPdf(), originalName: 'design.pdf' },
  page: 1,
  taxonomy: {},
  actorUserId: null,
})
if (created.kind !== 'created') throw new Error(`template not created: ${created.kind}`)
const saved = await SaveTemplateFields.handle({
  org,
  templateId: created.template.id,
  fields: (CASE === 'realistic' ? REALISTIC_FIELDS : FIELDS) as any,
  actorUserId: null,
})
if (saved.kind !== 'saved') throw new Error(`fields not saved: ${JSON.stringify(saved)}`)
const template = (await OrgTemplates.findWithCurrent(org, created.template.id))!
const version = template.currentVersion
const sourceFile = await StoredFile.findOrFail(version.sourceFileId)

async function importList(count: number) {
  const result = await CreateImport.handle({
    org,
    file: { bytes: recipientsCsv(count), originalName: `recipients-${count}.csv` },
    templateIds: [template.id],
    actorUserId: null,
  })
  if (result.kind !== 'created') throw new Error(`import not created: ${JSON.stringify(result)}`)
  const read = await result.run
  if (read.kind !== 'ready') throw new Error(`import ${read.kind}: ${JSON.stringify(read)}`)
  return result.job.id
}

async function createJob(importId: string) {
  const result = await CreateGenerationJob.handle({
    org,
    templateIds: [template.id],
    importId,
    issueDate: '2026-03-15',
    expiry: { mode: 'none' },
    start: true,
    actorUserId: null,
  })
  if (result.kind !== 'created') throw new Error(`job not created: ${JSON.stringify(result)}`)
  return result.job
}

const jobStatus = async (id: string) =>
  (await db
    .from('certificate_generation_jobs')
    .where('id', id)
    .select('status', 'completed_items', 'failed_items')
    .first()) as { status: string; completed_items: number; failed_items: number }

/** Starts a worker as the web process does, waits until the job's row says it is finished, stops the worker. */
async function runThroughWorker(jobId: string, pollMs = 20) {
  const worker = new QueueWorker({ lanes: LANES })
  const started = performance.now()
  worker.start()
  let row = await jobStatus(jobId)
  while (!['completed', 'failed', 'cancelled'].includes(row.status)) {
    await new Promise((resolve) => setTimeout(resolve, pollMs))
    row = await jobStatus(jobId)
  }
  const seconds = (performance.now() - started) / 1000
  await worker.stop()
  if (row.status !== 'completed') throw new Error(`job ${row.status}: ${JSON.stringify(row)}`)
  return seconds
}

// ---------------------------------------------------------------- warm-up
// Threads started, code loaded and compiled, snapshot cached.

const warmJob = await createJob(await importList(WARM))
await runThroughWorker(warmJob.id)

// ---------------------------------------------------------------- measured run

const importStarted = performance.now()
const importId = await importList(RECIPIENTS)
const importSeconds = (performance.now() - importStarted) / 1000
const createStarted = performance.now()
const job = await createJob(importId)
const createSeconds = (performance.now() - createStarted) / 1000

const baseline = process.memoryUsage.rss() / 1024 / 1024
resetHighWater()
let sampled = 0
let children = 0
let ticks = 0
const sampler = setInterval(() => {
  sampled = Math.max(sampled, process.memoryUsage.rss() / 1024 / 1024)
  if (ticks++ % 20 === 0) children = Math.max(children, childrenRssMb())
}, 25)
const delay = monitorEventLoopDelay({ resolution: 10 })
delay.enable()
// CPU time is what the run costs whatever else the machine does: all threads (process), and this
// event loop's busy time.
const cpuBefore = process.cpuUsage()
const threadsBefore = threadCpuSplit()
const { Session } = await import('node:inspector/promises')
const profiler = process.env.BENCH_PROFILE ? new Session() : null
if (profiler) {
  profiler.connect()
  await profiler.post('Profiler.enable')
  await profiler.post('Profiler.setSamplingInterval', { interval: 200 })
  await profiler.post('Profiler.start')
}
traceFrom = performance.now()
const seconds = await runThroughWorker(job.id)
traceFrom = null
if (profiler) {
  const { profile } = await profiler.post('Profiler.stop')
  writeFileSync(process.env.BENCH_PROFILE!, JSON.stringify(profile))
}
const cpu = process.cpuUsage(cpuBefore)
const threadsAfterSplit = threadCpuSplit()
const threadsAfter = new Map(
  [...threadsAfterSplit].map(([tid, used]) => [tid, used.user + used.system])
)
if (TRACE) {
  for (const [tid, after] of threadsAfterSplit) {
    const before = threadsBefore.get(tid) ?? { user: 0, system: 0 }
    const user = after.user - before.user
    const system = after.system - before.system
    if (user + system >= 0.05)
      trace.push(
        `thread ${tid}${tid === String(process.pid) ? ' (main)' : ''}: user ${user.toFixed(2)} s, system ${system.toFixed(2)} s`
      )
  }
}
const total = (used: { user: number; system: number } | undefined) =>
  used ? used.user + used.system : 0
const mainCpu =
  total(threadsAfterSplit.get(String(process.pid))) - total(threadsBefore.get(String(process.pid)))
// The other threads that worked most while the job ran: the rendering threads, then libuv's (file
// writes) and V8's (GC).
const otherCpu = [...threadsAfter]
  .filter(([tid]) => tid !== String(process.pid))
  .map(([tid, after]) => Math.round((after - total(threadsBefore.get(tid))) * 100) / 100)
  .filter((value) => value > 0)
  .sort((a, b) => b - a)
delay.disable()
clearInterval(sampler)
const peakRss = Math.max(sampled, highWaterMb()) + children

const certificates = Number(
  (await db
    .from('certificates')
    .where('generation_job_id', job.id)
    .where('status', 'issued')
    .count('* as total')
    .first())!.total
)
const prefix = `${storageKey({ root: 'certificates', orgId: org.id, parts: [job.id] })}/`
const stored = await db
  .from('files')
  .where('organization_id', org.id)
  .where('path', 'like', `${prefix}%`)
  .select(
    db.raw('count(*) as files'),
    db.raw('sum(size_bytes) as bytes'),
    db.raw(`sum(case when base_file_id is null then size_bytes else 0 end) as base_bytes`),
    db.raw('sum(case when base_file_id is null then 1 else 0 end) as bases')
  )
  .first()
const storedBytes = Number(stored.bytes)
const baseBytes = Number(stored.base_bytes)

// ---------------------------------------------------------------- pdfme: the same certificates' data, one batch

const snapshot = await cachedSnapshot(org.id, version.id)
const sample = Math.min(RECIPIENTS, PDFME_MAX)
let pdfme: { certsPerS: number; seconds: number; inputs: number; bytes: number } | { error: string }
try {
  if (sample < 1) throw new Error('skipped (--pdfme=0)')
  const { generate } = await import('@pdfme/generator')
  const { text, barcodes } = await import('@pdfme/schemas')
  const fontsDir = new URL('../resources/fonts/', import.meta.url)
  const fontFile = (family: string, bold: boolean) => {
    const file = readdirSync(new URL(`${family}/`, fontsDir)).find((name) =>
      name.endsWith(bold ? '_700Bold.ttf' : '_400Regular.ttf')
    )!
    return readFileSync(new URL(`${family}/${file}`, fontsDir))
  }
  const font: Record<string, { data: Buffer; fallback?: boolean }> = {}
  const fontName = (family: string, bold: boolean) => {
    const name = `${family}${bold ? '-bold' : ''}`
    font[name] ??= { data: fontFile(family, bold) }
    return name
  }
  const mm = (pt: number) => (pt * 25.4) / 72
  const schemas = snapshot.fields.map((field) =>
    field.type === 'qrcode'
      ? {
          name: field.key,
          type: 'qrcode',
          position: { x: mm(field.x), y: mm(field.y) },
          width: mm(field.width),
          height: mm(field.height),
          backgroundColor: '#ffffff',
          barColor: field.qrColor,
        }
      : {
          name: field.key,
          type: 'text',
          position: { x: mm(field.x), y: mm(field.y) },
          width: mm(field.width),
          height: mm(field.height),
          fontName: fontName(field.fontFamily, field.bold),
          fontSize: field.fontSize,
          alignment: field.align,
          verticalAlignment: 'middle',
          fontColor: field.color,
          lineHeight: 1,
          characterSpacing: 0,
          ...(field.autoFit
            ? {
                dynamicFontSize: { min: field.minFontSize, max: field.fontSize, fit: 'horizontal' },
              }
            : {}),
        }
  )
  font[fontName('noto-sans', false)].fallback = true
  const rows = await db
    .from('certificates')
    .where('generation_job_id', job.id)
    .orderBy('sequence_number', 'asc')
    .limit(sample)
    .select(
      'id',
      'recipient_name',
      'recipient_email',
      'recipient_phone',
      'recipient_data',
      'certificate_number',
      'issue_date',
      'expiry_date'
    )
  const inputs = rows.map((certificate) => {
    const row = renderRow({
      id: certificate.id,
      recipientName: certificate.recipient_name,
      recipientEmail: certificate.recipient_email,
      recipientPhone: certificate.recipient_phone,
      recipientData:
        typeof certificate.recipient_data === 'string'
          ? JSON.parse(certificate.recipient_data)
          : certificate.recipient_data,
      certificateNumber: certificate.certificate_number,
      issueDate: certificate.issue_date,
      expiryDate: certificate.expiry_date,
    })
    const input: Record<string, string> = {}
    for (const field of snapshot.fields) {
      const value = String(row[field.key] ?? '')
      input[field.key] =
        field.type === 'date' && value
          ? DateTime.fromISO(value, { zone: 'utc' }).toFormat(field.dateFormat)
          : value
    }
    return input
  })
  const pdfmeTemplate = { basePdf: new Uint8Array(snapshot.sourcePdf), schemas: [schemas] } as any
  const plugins = { text, qrcode: barcodes.qrcode } as any
  // Its code loaded and compiled first, as ours was.
  await generate({
    template: pdfmeTemplate,
    inputs: inputs.slice(0, 20),
    plugins,
    options: { font } as any,
  })
  const started = performance.now()
  const pdf = await generate({ template: pdfmeTemplate, inputs, plugins, options: { font } as any })
  const took = (performance.now() - started) / 1000
  pdfme = {
    certsPerS: inputs.length / took,
    seconds: took,
    inputs: inputs.length,
    bytes: pdf.length,
  }
} catch (error) {
  pdfme = { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }
}

const certsPerS = certificates / seconds
const out: Record<string, unknown> = {
  bench: 'generate',
  case: CASE,
  engine: process.env.BENCH_ENGINE ?? process.env.DB_CONNECTION,
  recipients: RECIPIENTS,
  certificates,
  seconds: Math.round(seconds * 100) / 100,
  certs_per_s: Math.round(certsPerS),
  pdfme_certs_per_s: 'error' in pdfme ? null : Math.round(pdfme.certsPerS * 10) / 10,
  vs_pdfme: 'error' in pdfme ? null : Math.round((certsPerS / pdfme.certsPerS) * 10) / 10,
  event_loop_p99_ms: Math.round((delay.percentile(99) / 1e6) * 10) / 10,
  event_loop_max_ms: Math.round((delay.max / 1e6) * 10) / 10,
  bytes_per_cert: Math.round(storedBytes / certificates),
  part_bytes_per_cert: Math.round((storedBytes - baseBytes) / certificates),
  base_bytes_avg: Math.round(baseBytes / Number(stored.bases)),
  chunks: Number(stored.bases),
  template_bytes: Number(sourceFile.sizeBytes),
  cpu_ms_per_cert: Math.round(((cpu.user + cpu.system) / 1000 / certificates) * 100) / 100,
  main_thread_cpu_ms_per_cert: Math.round(((mainCpu * 1000) / certificates) * 100) / 100,
  other_threads_cpu_s: otherCpu.slice(0, 6),
  peak_rss_mb: Math.round(peakRss),
  baseline_rss_mb: Math.round(baseline),
  warmup_recipients: WARM,
  lanes: LANES,
  threads: renderThreads(),
  import_s: Math.round(importSeconds * 100) / 100,
  create_job_s: Math.round(createSeconds * 100) / 100,
  pdfme_inputs: 'error' in pdfme ? 0 : pdfme.inputs,
  pdfme_seconds: 'error' in pdfme ? null : Math.round(pdfme.seconds * 100) / 100,
  pdfme_bytes_per_cert: 'error' in pdfme ? null : Math.round(pdfme.bytes / pdfme.inputs),
  note:
    `seconds: worker start to the job row completed (numbering, rendering in ${renderThreads()} threads, storage, issuing); ` +
    `pdfme: one generate() call over the first ${'error' in pdfme ? 0 : pdfme.inputs} of these certificates' data on one thread (no database or storage), after a 20-input warm-up, its QR codes drawn as it draws them (a PNG per certificate), its Indic names in the field's Latin font (pdfme neither shapes nor falls back per glyph)` +
    ('error' in pdfme ? `; pdfme failed: ${pdfme.error}` : '') +
    '; event_loop_*: monitorEventLoopDelay({resolution: 10}) while the job ran (an idle loop reads ~10.2 ms)' +
    '; cpu_ms_per_cert: CPU time of the whole process (every thread) while the job ran; main_thread_cpu_ms_per_cert: CPU time of the thread running the worker (its event loop: queries, storage calls, hashing of bases); other_threads_cpu_s: the busiest other threads, seconds',
}
console.log(JSON.stringify(out))
if (TRACE) console.error(trace.join('\n'))
await app.terminate()
process.exit(0)
