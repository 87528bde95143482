/*
| One engine's run of the delivery benchmark, inside a booted app (database
| and storage as bench/deliver.js sets them). Issues BENCH_MESSAGES
| certificates through the real actions and the queue worker, then sends
| them by email to the SMTP stand-in (a process of its own, BENCH_SMTP_PORT)
| through an SMTP integration whose throttle is raised for the bench, each
| mail with its PDF attached: StartDelivery, then the queue worker `npm
| start` runs, until the delivery is completed. WhatsApp runs the same way
| when a WhatsApp sender is registered (#deliveries/services/message_sender_registry)
| and BENCH_WHATSAPP_URL points at the WhatsApp stand-in; otherwise its line
| says it was skipped. Prints one JSON line per channel.
*/
import { readFileSync, writeFileSync } from 'node:fs'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { benchOrg, bootApp, childrenRssMb } from './_app.js'

await bootApp()

const { default: CreateTemplate } = await import('#templates/actions/create_template')
const { default: SaveTemplateFields } = await import('#templates/actions/save_template_fields')
const { default: CreateImport } = await import('#imports/actions/create_import')
const { default: CreateGenerationJob } = await import('#certificates/actions/create_generation_job')
const { default: CreateDeliveryIntegration } =
  await import('#deliveries/actions/create_delivery_integration')
const { default: StartDelivery } = await import('#deliveries/actions/start_delivery')
const { senders } = await import('#deliveries/services/message_sender_registry')
const { closeEmailTransports } = await import('#deliveries/services/email_sender')
const { QueueWorker } = await import('#core/queue/worker')
const { default: db } = await import('@adonisjs/lucid/services/db')
const { PDFDocument, StandardFonts } = await import('pdf-lib')

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 10_000)
const SMTP_PORT = Number(process.env.BENCH_SMTP_PORT)
const INBOX = `http://127.0.0.1:${process.env.BENCH_SMTP_HTTP_PORT}`
const RATE = Number(process.env.BENCH_RATE ?? 100_000)

function highWaterMb() {
  try {
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))
    return hwm ? Number(hwm[1]) / 1024 : 0
  } catch {
    return 0
  }
}

function resetHighWater() {
  try {
    writeFileSync('/proc/self/clear_refs', '5')
  } catch {}
}

const org = await benchOrg()

async function designPdf() {
  const doc = await PDFDocument.create()
  const page = doc.addPage([841.89, 595.28])
  const font = await doc.embedFont(StandardFonts.TimesRomanBold)
  page.drawText('Certificate of Completion', { x: 220, y: 480, size: 34, font })
  return doc.save()
}

const created = await CreateTemplate.handle({
  org,
  name: 'Course completion',
  upload: { bytes: await designPdf(), originalName: 'design.pdf' },
  page: 1,
  taxonomy: {},
  actorUserId: null,
})
if (created.kind !== 'created') throw new Error(`template not created: ${created.kind}`)
const saved = await SaveTemplateFields.handle({
  org,
  templateId: created.template.id,
  fields: [
    {
      key: 'recipient_name',
      type: 'text',
      x: 80,
      y: 220,
      width: 680,
      height: 60,
      font_size: 36,
      align: 'center',
    },
    {
      key: 'course_name',
      type: 'text',
      x: 80,
      y: 300,
      width: 680,
      height: 40,
      font_size: 20,
      align: 'center',
    },
    { key: 'verification_url', type: 'qrcode', x: 680, y: 420, width: 120, height: 120 },
  ] as any,
  actorUserId: null,
})
if (saved.kind !== 'saved') throw new Error(`fields not saved: ${JSON.stringify(saved)}`)

const lines = ['Full Name,Email Address,Phone,Course']
for (let i = 0; i < MESSAGES; i++)
  lines.push(`Learner ${i},learner.${i}@example.in,+91 9${String(100_000_000 + i)},Data Science`)
const list = await CreateImport.handle({
  org,
  file: { bytes: new TextEncoder().encode(lines.join('\n')), originalName: 'learners.csv' },
  templateIds: [created.template.id],
  actorUserId: null,
})
if (list.kind !== 'created') throw new Error(`import not created: ${JSON.stringify(list)}`)
await list.run
const job = await CreateGenerationJob.handle({
  org,
  templateIds: [created.template.id],
  importId: list.job.id,
  issueDate: '2026-03-15',
  expiry: { mode: 'none' },
  start: true,
  actorUserId: null,
})
if (job.kind !== 'created') throw new Error(`job not created: ${JSON.stringify(job.problem)}`)
await QueueWorker.drain()

const integration = await CreateDeliveryIntegration.handle({
  org,
  actorUserId: null,
  channel: 'email',
  provider: 'smtp',
  name: 'Bench SMTP',
  settings: {
    host: '127.0.0.1',
    port: SMTP_PORT,
    security: 'none',
    from_email: 'certificates@bench.example',
    from_name: 'Bench Academy',
  },
  secrets: {},
})
if (integration.kind !== 'created') throw new Error(`integration: ${JSON.stringify(integration)}`)
await db
  .from('delivery_integrations')
  .where('id', integration.integration.id)
  .update({
    config: JSON.stringify({ ...integration.integration.config, messages_per_second: RATE }),
  })

await fetch(`${INBOX}/messages`, { method: 'DELETE' })

resetHighWater()
let sampled = 0
const sampler = setInterval(() => {
  sampled = Math.max(sampled, process.memoryUsage.rss() / 1024 / 1024)
}, 25)
const delay = monitorEventLoopDelay({ resolution: 10 })
delay.enable()
const started = Date.now()
const delivery = await StartDelivery.handle({
  org,
  job: job.job.id,
  channels: ['email'],
  audience: 'all',
  fallbackToEmail: false,
  actorUserId: null,
})
if (delivery.kind !== 'created') throw new Error(`delivery: ${JSON.stringify(delivery)}`)
const enqueued = Date.now()
const worker = new QueueWorker()
worker.start()
while (true) {
  const row = await db.from('deliveries').where('id', delivery.delivery.id).select('status').first()
  if (row.status === 'completed') break
  await new Promise((resolve) => setTimeout(resolve, 50))
}
const finished = Date.now()
await worker.stop()
delay.disable()
clearInterval(sampler)
closeEmailTransports()

const [sent] = await db
  .from('delivery_messages')
  .where('delivery_id', delivery.delivery.id)
  .where('status', 'sent')
  .count('* as total')
const response = await fetch(`${INBOX}/messages`)
const mails = (await response.json()) as { receivedAt: string; attachments: unknown[] }[]
const latencies = mails
  .map((m) => new Date(m.receivedAt).getTime() - enqueued)
  .sort((a, b) => a - b)
const p99 = latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))] ?? 0

console.log(
  JSON.stringify({
    bench: 'deliver',
    channel: 'email',
    engine: process.env.BENCH_ENGINE,
    messages: Number(sent.total),
    received: mails.length,
    with_pdf: mails.filter((m) => m.attachments.length === 1).length,
    msgs_per_s: Math.round((Number(sent.total) / ((finished - started) / 1000)) * 10) / 10,
    p99_enqueue_to_sent_ms: p99,
    enqueue_ms: enqueued - started,
    peak_rss_mb: Math.round(Math.max(sampled, highWaterMb()) + childrenRssMb()),
    event_loop_p99_ms: Math.round((delay.percentile(99) / 1e6) * 10) / 10,
  })
)

console.log(
  JSON.stringify({
    bench: 'deliver',
    channel: 'whatsapp',
    engine: process.env.BENCH_ENGINE,
    skipped: senders.whatsapp_cloud
      ? 'the WhatsApp run is not written yet'
      : 'no WhatsApp sender is registered on this build (#deliveries/services/message_sender_registry)',
  })
)
process.exit(0)
