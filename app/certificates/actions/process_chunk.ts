import { createHash } from 'node:crypto'
import db from '@adonisjs/lucid/services/db'
import type { QueryClientContract, TransactionClientContract } from '@adonisjs/lucid/types/database'
import { DateTime } from 'luxon'
import { putObjects, registerFiles, type FileRecord, type ObjectToStore } from '#core/actions/store_objects'
import { bulkInsert } from '#core/services/bulk_insert'
import { formatCertificateNumber } from '#core/services/certificate_number'
import { storageKey } from '#core/services/storage_keys'
import { uuid7 } from '#core/services/uuid7'
import generation from '#config/generation'
import { expiresAtFor, expiryDateFor, issueDateFor, renderRow, titleFor } from '#certificates/services/issuance_rows'
import { verificationTokenHash } from '#certificates/services/verification_links'
import { renderChunk } from '#certificates/services/generation_workers'
import { versionSnapshot } from '#certificates/services/template_snapshots'
import { allocateNumbers } from '#certificates/services/numbering'
import { refreshJob } from '#certificates/services/job_progress'

/**
 * One claimed chunk, start to finish. Exactly-once comes from at-least-once
 * execution plus unique keys, never from a worker surviving:
 *
 * 1. Numbering (transaction A): the chunk's certificates are inserted as
 *    `pending` with their numbers, unless an earlier attempt already did
 *    (`UNIQUE(job, recipient, template)`); numbers come from the org's
 *    counter in the same transaction, so a rollback returns them.
 * 2. Rendering (threads): each template is prepared once for the chunk's
 *    rows (its base document), each certificate drawn as its part; the
 *    SHA-256 of base + part is computed there.
 * 3. Objects to storage at keys derived from ids (a retry rewrites the same
 *    bytes to the same keys).
 * 4. Issuing (transaction B): the `files` rows, the certificates `issued`
 *    with file and checksum, one usage event each, the chunk `done`, the
 *    job's counts from its rows.
 *
 * Both transactions start by renewing the lease with our token: a worker
 * that lost its lease (paused past it, another worker took over) writes
 * nothing. On SQLite that write is also what makes the transaction take
 * the write lock before it reads.
 */

export interface ClaimedChunk {
  id: string
  jobId: string
  organizationId: string
  seq: number
  firstPosition: number
  endPosition: number
  attempts: number
  leaseToken: string
}

export class LeaseLostError extends Error {
  constructor(chunkId: string) {
    super(`The lease on chunk ${chunkId} was lost; another worker owns it now`)
    this.name = 'LeaseLostError'
  }
}

const stamp = (client: QueryClientContract, at = DateTime.utc()) => at.toFormat(client.dialect.dateTimeFormat)

/** Renews the lease, fencing everything after it in the transaction. */
export async function renewLease(client: QueryClientContract, chunk: ClaimedChunk) {
  const now = DateTime.utc()
  const updated = await client
    .from('generation_job_chunks')
    .where('id', chunk.id)
    .where('lease_token', chunk.leaseToken)
    .where('status', 'leased')
    .update({ lease_expires_at: stamp(client, now.plus({ seconds: generation.leaseSeconds })), updated_at: stamp(client, now) })
  if (Number(updated) !== 1 && !(Array.isArray(updated) && updated[0] === 1)) throw new LeaseLostError(chunk.id)
}

interface JobContext {
  job: {
    id: string
    organization_id: string
    status: string
    issue_date: string
    expiry_mode: 'none' | 'date' | 'months'
    expiry_date: string | null
    expiry_months: number | null
    created_by: string | null
  }
  org: { certificate_number_format: string; certificate_number_prefix: string }
  templates: Array<{ template_id: string; template_version_id: string; category_id: string | null; subcategory_id: string | null; position: number; name: string }>
}

async function jobContext(chunk: ClaimedChunk): Promise<JobContext> {
  const job = await db.from('certificate_generation_jobs').where('id', chunk.jobId).where('organization_id', chunk.organizationId).firstOrFail()
  const org = await db.from('organizations').where('id', chunk.organizationId).select('certificate_number_format', 'certificate_number_prefix').firstOrFail()
  const templates = await db
    .from('generation_job_templates as gt')
    .join('certificate_templates as t', 't.id', 'gt.template_id')
    .where('gt.job_id', chunk.jobId)
    .orderBy('gt.position', 'asc')
    .select('gt.template_id', 'gt.template_version_id', 'gt.category_id', 'gt.subcategory_id', 'gt.position', 't.name')
  return { job, org, templates }
}

interface PendingCertificate {
  id: string
  generation_job_recipient_id: string
  template_id: string
  certificate_number: string
  issue_date: string
  expiry_date: string | null
  recipient_name: string
  recipient_email: string | null
  recipient_phone: string | null
  recipient_data: string | Record<string, string>
  status: string
}

const CERTIFICATE_COLUMNS = [
  { name: 'id', pg: 'uuid' },
  { name: 'organization_id', pg: 'uuid' },
  { name: 'generation_job_id', pg: 'uuid' },
  { name: 'generation_job_recipient_id', pg: 'uuid' },
  { name: 'generation_job_chunk_id', pg: 'uuid' },
  { name: 'template_id', pg: 'uuid' },
  { name: 'template_version_id', pg: 'uuid' },
  { name: 'category_id', pg: 'uuid' },
  { name: 'subcategory_id', pg: 'uuid' },
  { name: 'title', pg: 'text' },
  { name: 'recipient_name', pg: 'text' },
  { name: 'recipient_email', pg: 'text' },
  { name: 'recipient_phone', pg: 'text' },
  { name: 'recipient_data', pg: 'json' },
  { name: 'certificate_number', pg: 'text' },
  { name: 'sequence_number', pg: 'bigint' },
  { name: 'status', pg: 'text' },
  { name: 'issue_date', pg: 'text' },
  { name: 'expiry_date', pg: 'text' },
  { name: 'expires_at', pg: 'timestamptz' },
  { name: 'verification_token_hash', pg: 'text' },
  { name: 'created_by', pg: 'uuid' },
  { name: 'created_at', pg: 'timestamptz' },
  { name: 'updated_at', pg: 'timestamptz' },
] as const

export type ChunkOutcome = 'done' | 'cancelled' | 'failed' | 'lost'

export default class ProcessChunk {
  static async handle(chunk: ClaimedChunk, signal: { lost: boolean } = { lost: false }): Promise<ChunkOutcome> {
    try {
      return await this.run(chunk, signal)
    } catch (error) {
      if (error instanceof LeaseLostError) return 'lost'
      await this.recordFailure(chunk, error)
      return 'failed'
    }
  }

  private static async run(chunk: ClaimedChunk, signal: { lost: boolean }): Promise<ChunkOutcome> {
    const context = await jobContext(chunk)

    // 1. Numbers for every certificate of the chunk that has none yet.
    const numbered = await db.transaction(async (trx) => {
      await renewLease(trx, chunk)
      const existing = await trx.from('certificates').where('generation_job_chunk_id', chunk.id).count('* as total').first()
      if (Number(existing?.total ?? 0) === 0 && context.job.status === 'cancelled') {
        await finishChunk(trx, chunk, 'cancelled')
        return false
      }
      await numberChunk(trx, chunk, context)
      await trx.from('certificate_generation_jobs').where('id', chunk.jobId).where('status', 'queued').update({ status: 'processing', updated_at: stamp(trx) })
      return true
    })
    if (!numbered) {
      await db.transaction((trx) => refreshJob(trx, chunk.jobId))
      return 'cancelled'
    }

    // 2. Render what is still pending.
    const pending: PendingCertificate[] = await db
      .from('certificates')
      .where('generation_job_chunk_id', chunk.id)
      .where('status', 'pending')
      .select('id', 'generation_job_recipient_id', 'template_id', 'certificate_number', 'issue_date', 'expiry_date', 'recipient_name', 'recipient_email', 'recipient_phone', 'recipient_data', 'status')
      .orderBy('sequence_number', 'asc')
    const objects: ObjectToStore[] = []
    const files: FileRecord[] = []
    const issued: Array<{ id: string; file_id: string; sha256: string }> = []
    if (pending.length) {
      const byTemplate = context.templates
        .map((template) => ({ template, certificates: pending.filter((certificate) => certificate.template_id === template.template_id) }))
        .filter((group) => group.certificates.length > 0)
      const inputs = await Promise.all(
        byTemplate.map(async ({ template, certificates }) => ({
          snapshot: await versionSnapshot(chunk.organizationId, template.template_version_id),
          rows: certificates.map((certificate) =>
            renderRow({
              id: certificate.id,
              recipientName: certificate.recipient_name,
              recipientEmail: certificate.recipient_email,
              recipientPhone: certificate.recipient_phone,
              recipientData: typeof certificate.recipient_data === 'string' ? JSON.parse(certificate.recipient_data) : certificate.recipient_data,
              certificateNumber: certificate.certificate_number,
              issueDate: certificate.issue_date,
              expiryDate: certificate.expiry_date,
            })
          ),
        }))
      )
      const rendered = await renderChunk({ templates: inputs })
      if (signal.lost) throw new LeaseLostError(chunk.id)

      byTemplate.forEach(({ template, certificates }, index) => {
        const result = rendered[index]
        const baseId = uuid7()
        const baseKey = storageKey({ root: 'certificates', orgId: chunk.organizationId, parts: [chunk.jobId, 'bases', `${chunk.seq}-${template.position}.pdf`] })
        objects.push({ orgId: chunk.organizationId, key: baseKey, bytes: result.base })
        files.push({ id: baseId, orgId: chunk.organizationId, kind: 'certificate_pdf', key: baseKey, mime: 'application/pdf', size: result.base.length, checksum: '', createdBy: context.job.created_by })
        certificates.forEach((certificate, i) => {
          const part = result.parts.subarray(result.offsets[i], result.offsets[i + 1])
          const key = storageKey({ root: 'certificates', orgId: chunk.organizationId, parts: [chunk.jobId, certificate.generation_job_recipient_id, `${certificate.id}.pdf`] })
          const fileId = uuid7()
          objects.push({ orgId: chunk.organizationId, key, bytes: part })
          files.push({ id: fileId, orgId: chunk.organizationId, kind: 'certificate_pdf', key, mime: 'application/pdf', size: part.length, checksum: result.sha256[i], baseFileId: baseId, createdBy: context.job.created_by })
          issued.push({ id: certificate.id, file_id: fileId, sha256: result.sha256[i] })
        })
      })
      // The base's own checksum: of its bytes (it is a document by itself, the empty certificate).
      for (const file of files) if (file.checksum === '') file.checksum = sha256Of(objects.find((object) => object.key === file.key)!.bytes)

      // 3. Objects first: rows never point at nothing.
      await putObjects(objects)
      if (signal.lost) throw new LeaseLostError(chunk.id)
    }

    // 4. Issue.
    await db.transaction(async (trx) => {
      await renewLease(trx, chunk)
      if (issued.length) {
        await registerFiles(trx, files)
        // A base registered by an earlier attempt that committed nothing else cannot exist (one transaction),
        // so every part's base row is the one just inserted.
        await markIssued(trx, issued)
        await recordUsage(trx, chunk, issued.map((item) => item.id))
      }
      await finishChunk(trx, chunk, 'done')
      await refreshJob(trx, chunk.jobId)
    })
    return 'done'
  }

  /** A chunk that threw: back to the queue for another attempt, or failed (with its certificates) after the last. */
  private static async recordFailure(chunk: ClaimedChunk, error: unknown) {
    const message = (error instanceof Error ? error.message : String(error)).slice(0, 900)
    await db
      .transaction(async (trx) => {
        const now = stamp(trx)
        const final = chunk.attempts >= generation.maxAttempts
        const updated = await trx
          .from('generation_job_chunks')
          .where('id', chunk.id)
          .where('lease_token', chunk.leaseToken)
          .update({ status: final ? 'failed' : 'queued', lease_owner: null, lease_token: null, lease_expires_at: null, last_error: message, updated_at: now })
        if (!Number(updated)) return
        if (final) {
          await trx.from('certificates').where('generation_job_chunk_id', chunk.id).where('status', 'pending').update({ failure_message: message, updated_at: now })
          await refreshJob(trx, chunk.jobId)
        }
      })
      .catch(() => {})
  }
}

function sha256Of(bytes: Uint8Array) {
  return createHash('sha256').update(bytes).digest('hex')
}

/** Pending rows with numbers for the chunk's recipients × templates that have none. */
async function numberChunk(trx: TransactionClientContract, chunk: ClaimedChunk, context: JobContext) {
  const recipients = await trx
    .from('generation_job_recipients')
    .where('job_id', chunk.jobId)
    .where('position', '>=', chunk.firstPosition)
    .where('position', '<', chunk.endPosition)
    .orderBy('position', 'asc')
    .select('id', 'recipient_name', 'recipient_email', 'recipient_phone', 'recipient_data')
  const existing = new Set(
    (await trx.from('certificates').where('generation_job_chunk_id', chunk.id).select('generation_job_recipient_id', 'template_id')).map(
      (row) => `${row.generation_job_recipient_id}:${row.template_id}`
    )
  )
  const wanted: Array<{ recipient: (typeof recipients)[number]; template: JobContext['templates'][number] }> = []
  for (const recipient of recipients) {
    for (const template of context.templates) {
      if (!existing.has(`${recipient.id}:${template.template_id}`)) wanted.push({ recipient, template })
    }
  }
  if (wanted.length === 0) return
  const first = await allocateNumbers(trx, chunk.organizationId, wanted.length)
  const now = stamp(trx)
  const expiry = { mode: context.job.expiry_mode, date: context.job.expiry_date, months: context.job.expiry_months }
  const records = wanted.map(({ recipient, template }, i) => {
    const data: Record<string, string> = typeof recipient.recipient_data === 'string' ? JSON.parse(recipient.recipient_data) : recipient.recipient_data
    const issueDate = issueDateFor(data, context.job.issue_date)
    const expiryDate = expiryDateFor(data, issueDate, expiry)
    const expiresAt = expiresAtFor(expiryDate)
    const id = uuid7()
    const sequence = first + i
    return {
      id,
      organization_id: chunk.organizationId,
      generation_job_id: chunk.jobId,
      generation_job_recipient_id: recipient.id,
      generation_job_chunk_id: chunk.id,
      template_id: template.template_id,
      template_version_id: template.template_version_id,
      category_id: template.category_id,
      subcategory_id: template.subcategory_id,
      title: titleFor(data, template.name),
      recipient_name: recipient.recipient_name,
      recipient_email: recipient.recipient_email,
      recipient_phone: recipient.recipient_phone,
      recipient_data: data,
      certificate_number: formatCertificateNumber(context.org.certificate_number_format, {
        prefix: context.org.certificate_number_prefix,
        date: new Date(`${issueDate}T00:00:00Z`),
        sequence,
      }),
      sequence_number: sequence,
      status: 'pending',
      issue_date: issueDate,
      expiry_date: expiryDate,
      expires_at: expiresAt ? expiresAt.toFormat(trx.dialect.dateTimeFormat) : null,
      verification_token_hash: verificationTokenHash(id),
      created_by: context.job.created_by,
      created_at: now,
      updated_at: now,
    }
  })
  for (let at = 0; at < records.length; at += 2000) await bulkInsert(trx, 'certificates', [...CERTIFICATE_COLUMNS], records.slice(at, at + 2000))
}

async function markIssued(trx: TransactionClientContract, issued: Array<{ id: string; file_id: string; sha256: string }>) {
  const now = stamp(trx)
  const json = JSON.stringify(issued)
  if (trx.dialect.name === 'postgres') {
    await trx.rawQuery(
      `UPDATE certificates AS c SET status = 'issued', certificate_file_id = x.file_id, sha256 = x.sha256, issued_at = ?::timestamptz, updated_at = ?::timestamptz
       FROM json_to_recordset(?::json) AS x(id uuid, file_id uuid, sha256 text) WHERE c.id = x.id AND c.status = 'pending'`,
      [now, now, json]
    )
  } else {
    // `+status`: no index on status, so SQLite walks the list and looks each id up (not every pending row × the whole list).
    await trx.rawQuery(
      `UPDATE certificates SET status = 'issued', certificate_file_id = x.file_id, sha256 = x.sha256, issued_at = ?, updated_at = ?
       FROM (SELECT json_extract(value, '$.id') AS id, json_extract(value, '$.file_id') AS file_id, json_extract(value, '$.sha256') AS sha256 FROM json_each(?)) AS x
       WHERE certificates.id = x.id AND +certificates.status = 'pending'`,
      [now, now, json]
    )
  }
}

/** One `certificate_issued` usage event per certificate (unique: a retry adds none). */
export async function recordUsage(trx: TransactionClientContract, chunk: { organizationId: string; jobId: string | null }, certificateIds: string[]) {
  const now = stamp(trx)
  await bulkInsert(
    trx,
    'billing_usage_events',
    [
      { name: 'id', pg: 'uuid' },
      { name: 'organization_id', pg: 'uuid' },
      { name: 'event_type', pg: 'text' },
      { name: 'certificate_id', pg: 'uuid' },
      { name: 'occurred_at', pg: 'timestamptz' },
      { name: 'quantity', pg: 'int' },
      { name: 'metadata', pg: 'json' },
      { name: 'created_at', pg: 'timestamptz' },
    ],
    certificateIds.map((id) => ({
      id: uuid7(),
      organization_id: chunk.organizationId,
      event_type: 'certificate_issued',
      certificate_id: id,
      occurred_at: now,
      quantity: 1,
      metadata: chunk.jobId ? { generation_job_id: chunk.jobId } : {},
      created_at: now,
    })),
    { onConflictDoNothing: 'certificate_id, event_type' }
  )
}

async function finishChunk(trx: TransactionClientContract, chunk: ClaimedChunk, status: 'done' | 'cancelled') {
  const now = stamp(trx)
  await trx
    .from('generation_job_chunks')
    .where('id', chunk.id)
    .where('lease_token', chunk.leaseToken)
    .update({ status, lease_owner: null, lease_token: null, lease_expires_at: null, done_at: now, updated_at: now })
}

