/*
| One engine's run of the billing benchmark inside a booted app: seeds the
| orgs and their October usage straight into the tables (not timed), then
| times `RunBilling` for October with a queue worker drawing, storing and
| mailing the invoices of each batch as it commits, until the last is
| stored. Prints one JSON line.
*/
import { randomUUID } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { bootApp } from './_app.js'

const app = await bootApp()
const { default: db } = await import('@adonisjs/lucid/services/db')
const { DateTime } = await import('luxon')
const { bulkInsert } = await import('#core/services/bulk_insert')
const { dbTimestamp } = await import('#core/services/database_time')
const { gstinCheckCharacter } = await import('#core/services/gstin')
const { GST_STATES } = await import('#core/services/gst_states')
const { QueueWorker } = await import('#core/queue/worker')
const { default: RunBilling } = await import('#billing/actions/run_billing')
const { billingMonthNamed } = await import('#billing/services/billing_periods')

const ORGS = Number(process.env.BENCH_ORGS ?? 10_000)
const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000)
const ENGINE = process.env.BENCH_ENGINE ?? 'sqlite'
const OCTOBER = billingMonthNamed('2026-10')!

function highWaterMb() {
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))
  return hwm ? Math.round(Number(hwm[1]) / 1024) : 0
}

function resetHighWater() {
  try {
    writeFileSync('/proc/self/clear_refs', '5')
  } catch {}
}

// ---------------------------------------------------------------- seed (not timed)
const seedStarted = performance.now()
const client = db.connection()
const created = dbTimestamp(client, DateTime.fromISO('2026-01-15T10:00:00Z'))
const trialEnd = dbTimestamp(client, DateTime.fromISO('2026-01-22T10:00:00Z'))
const stateCodes = Object.keys(GST_STATES).filter(
  (code) => !['25', '28', '97', '99'].includes(code)
)
const orgIds: string[] = []
const orgRows: Record<string, unknown>[] = []
for (let index = 0; index < ORGS; index++) {
  const id = randomUUID()
  orgIds.push(id)
  const stateCode = stateCodes[index % stateCodes.length]
  const pan = `AAB${String.fromCharCode(65 + (index % 26))}${String.fromCharCode(65 + ((index / 26) % 26))}${String(index % 10_000).padStart(4, '0')}K`
  const gstin = index % 10 === 0 ? `${stateCode}${pan}1Z` : null
  orgRows.push({
    id,
    name: `Bench Academy ${index + 1}`,
    business_name: `Bench Academy ${index + 1} Private Limited`,
    slug: `bench-academy-${index + 1}`,
    application_id: `APP${String(index + 1).padStart(10, '0')}`,
    address_line1: `${index + 1} MG Road`,
    city: 'Bengaluru',
    state: GST_STATES[stateCode],
    postal_code: '560001',
    gstin: gstin ? `${gstin}${gstinCheckCharacter(gstin)}` : null,
    certificate_number_prefix: 'BENCH',
    billing_status: 'active',
    trial_started_at: created,
    trial_ends_at: trialEnd,
    created_at: created,
    updated_at: created,
  })
}
await db.transaction(async (trx) => {
  for (let start = 0; start < orgRows.length; start += 500) {
    await trx.table('organizations').multiInsert(orgRows.slice(start, start + 500))
  }
  const overrides = orgIds
    .filter((_, index) => index % 20 === 0)
    .map((id) => ({
      id: randomUUID(),
      organization_id: id,
      effective_from: '2026-10-16',
      effective_to: null,
      certificate_fee_paise: 800,
      platform_fee_waived: false,
      created_at: created,
    }))
  for (let start = 0; start < overrides.length; start += 500) {
    await trx
      .table('organization_pricing_overrides')
      .multiInsert(overrides.slice(start, start + 500))
  }
})
const monthStart = OCTOBER.startsAt.toMillis()
const monthSpan = OCTOBER.endsAt.toMillis() - monthStart
const columns = [
  { name: 'id', pg: 'uuid' },
  { name: 'organization_id', pg: 'uuid' },
  { name: 'event_type', pg: 'text' },
  { name: 'occurred_at', pg: 'timestamptz' },
  { name: 'quantity', pg: 'int' },
  { name: 'metadata', pg: 'json' },
  { name: 'created_at', pg: 'timestamptz' },
] as const
const BATCH = 5_000
for (let start = 0; start < EVENTS; start += BATCH) {
  const rows: Record<string, unknown>[] = []
  for (let index = start; index < Math.min(EVENTS, start + BATCH); index++) {
    const at = dbTimestamp(
      client,
      DateTime.fromMillis(monthStart + Math.floor((index * 7919) % monthSpan), { zone: 'utc' })
    )
    rows.push({
      id: randomUUID(),
      organization_id: orgIds[index % ORGS],
      event_type: 'certificate_issued',
      occurred_at: at,
      quantity: 1,
      metadata: {},
      created_at: at,
    })
  }
  await db.transaction((trx) => bulkInsert(trx, 'billing_usage_events', [...columns], rows))
}
if (ENGINE === 'postgres') await db.rawQuery('ANALYZE')
const seedSeconds = (performance.now() - seedStarted) / 1000

// ---------------------------------------------------------------- the run (timed)
// As in production: the billing run (the scheduler's process) closes the orgs batch by batch
// while a queue worker (a web process's, or `queue:work`) draws and stores the PDFs of the
// batches already committed.
resetHighWater()
const started = performance.now()
let runDone = false
const drawing = (async () => {
  while (!runDone) {
    await QueueWorker.drain({ lanes: 2 })
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  await QueueWorker.drain({ lanes: 2 })
})()
const report = await RunBilling.handle(OCTOBER, { keepOutcomes: false })
const runSeconds = (performance.now() - started) / 1000
runDone = true
await drawing
const wallSeconds = (performance.now() - started) / 1000

const [{ invoices }] = await db
  .from('billing_invoices')
  .whereNotNull('pdf_file_id')
  .count('* as invoices')
if (Number(invoices) !== ORGS || report.invoiced !== ORGS) {
  throw new Error(
    `expected ${ORGS} invoices with their PDFs, found ${invoices} (${JSON.stringify(report)})`
  )
}
console.log(
  JSON.stringify({
    bench: 'billing',
    engine: ENGINE,
    orgs: ORGS,
    usage_events: EVENTS,
    wall_s: Math.round(wallSeconds * 10) / 10,
    run_s: Math.round(runSeconds * 10) / 10,
    pdfs_after_run_s: Math.round((wallSeconds - runSeconds) * 10) / 10,
    invoices_per_s: Math.round(ORGS / wallSeconds),
    peak_rss_mb: highWaterMb(),
    seed_s: Math.round(seedSeconds),
  })
)
await app.terminate()
