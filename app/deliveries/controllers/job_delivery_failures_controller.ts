import { Readable } from 'node:stream'
import type { HttpContext } from '@adonisjs/core/http'
import { DateTime } from 'luxon'
import { foundOr404 } from '#core/http/not_found'
import { CSV_BOM, csvLine } from '#core/services/csv_export'
import { contentDisposition, fileSlug } from '#core/services/downloads'
import OrgGenerationJobs from '#certificates/queries/org_generation_jobs'
import { jobFailureRows } from '#deliveries/queries/delivery_failures'
import { CHANNEL_WORDS } from '#deliveries/queries/delivery_timeline'

/** The job's failed messages (as they stand) as CSV, formula-safe, a thousand rows at a time. */
async function* failureReport(organizationId: string, jobId: string) {
  yield (
    CSV_BOM +
    csvLine([
      'Recipient',
      'Channel',
      'To',
      'Certificates',
      'Error code',
      'Reason',
      'Failed at (UTC)',
      'Attempts',
      'Message id',
      'Reached by email instead',
    ])
  )
  let after: string | null = null
  for (;;) {
    const rows = await jobFailureRows(organizationId, jobId, { after, limit: 1000 })
    if (rows.length === 0) return
    let chunk = ''
    for (const row of rows)
      chunk += csvLine([
        row.recipientName,
        CHANNEL_WORDS[row.channel],
        row.to,
        row.certificateNumbers,
        row.code,
        row.reason,
        isoOf(row.failedAt),
        row.attempts,
        row.messageId,
        row.reachedByEmail ? 'yes' : '',
      ])
    after = rows.at(-1)!.messageId
    yield chunk
  }
}

/** A timestamp read by a raw query (a Date on PostgreSQL, UTC text on SQLite) as ISO 8601. */
function isoOf(value: string | Date | null) {
  if (value === null) return ''
  if (value instanceof Date) return value.toISOString()
  const parsed = DateTime.fromSQL(value, { zone: 'utc' })
  return parsed.isValid ? parsed.toISO()! : value
}

/** `GET /generation-jobs/:id/deliveries/failures.csv` */
export default class JobDeliveryFailuresController {
  async show({ org, bouncer, params, response }: HttpContext) {
    await bouncer.authorize('allows', 'deliveries.send')
    const job = foundOr404(await OrgGenerationJobs.find(org, params.id))
    const name = `${fileSlug(job.name ?? 'job', 'job')}-delivery-failures.csv`
    response.header('Content-Type', 'text/csv; charset=utf-8')
    response.header('Content-Disposition', contentDisposition('attachment', name))
    response.header('X-Content-Type-Options', 'nosniff')
    response.header('Cache-Control', 'no-store')
    return response.stream(Readable.from(failureReport(org.id, job.id)))
  }
}
