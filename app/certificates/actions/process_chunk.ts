import { createHash } from 'node:crypto'
import logger from '@adonisjs/core/services/logger'
import db from '@adonisjs/lucid/services/db'
import type { QueryClientContract, TransactionClientContract } from '@adonisjs/lucid/types/database'
import { DateTime } from 'luxon'
import {
  putObjects,
  registerFiles,
  type FileRecord,
  type ObjectToStore,
} from '#core/actions/store_objects'
import { bulkInsert } from '#core/services/bulk_insert'
import { formatCertificateNumber } from '#core/services/certificate_number'
import { storageKey } from '#core/services/storage_keys'
import { v7 as uuidv7 } from 'uuid'
import {
  documentInfoFor,
  expiresAtFor,
  expiryDateFor,
  issueDateFor,
  renderRow,
  titleFor,
} from '#certificates/services/issuance_rows'
import { verificationTokenHash } from '#certificates/services/verification_links'
import { renderChunk } from '#certificates/services/render_threads'
import { cachedSnapshot } from '#certificates/services/snapshot_cache'
import { allocateNumbers } from '#certificates/services/numbering'
import { refreshJob } from '#certificates/services/job_progress'
import RecordCertificateUsage from '#certificates/actions/record_certificate_usage'
import SweepJobObjects from '#certificates/actions/sweep_job_objects'
import GenerationJob from '#certificates/models/generation_job'
import GenerationJobChunk from '#certificates/models/generation_job_chunk'
import type { RunningJob } from '#core/queue/running_job'
import { chunkRecipients } from '#certificates/queries/chunk_recipients'
import { dbTimestamp } from '#core/services/database_time'

/**
 * One chunk of a generation job, run by the core queue (its kind is
 * defined in services/generation_queue.ts). Exactly-once comes from
 * at-least-once execution plus unique keys, never from a worker surviving:
 *
 * 1. Numbering (transaction A): the chunk reserves its block of numbers
 *    (recipients × templates of them) from the org's counter, unless an
 *    earlier attempt already did; a rollback returns them.
 * 2. Rendering (threads): every certificate of the chunk is derived again
 *    identically (ids from job × recipient × template, numbers from the
 *    block, tokens from the ids); each template is prepared once for the
 *    chunk's rows (its base document), each certificate drawn as its part,
 *    the SHA-256 of base + part computed there.
 * 3. Objects to storage at keys derived from ids (a retry rewrites the same
 *    bytes to the same keys).
 * 4. Issuing (transaction B): the `files` rows, the certificates (issued,
 *    with file and checksum; `UNIQUE(job, recipient, template)` behind
 *    them), one usage event each, the chunk `done`, the job's counts, the
 *    queue job completed.
 *
 * Both transactions start with the queue's fence: a worker that lost its
 * lease (paused past it, another worker took over) writes nothing. A
 * thrown error fails the attempt; the queue retries it with backoff and,
 * after the last, calls the kind's `failed` hook.
 */

/** What a chunk's queue job carries; its id is the chunk's. */
export interface ChunkPayload {
  jobId: string
  seq: number
  firstPosition: number
  endPosition: number
}

interface Chunk extends ChunkPayload {
  id: string
  organizationId: string
}

const stamp = (client: QueryClientContract, at = DateTime.utc()) => dbTimestamp(client, at)

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
  org: { name: string; certificate_number_format: string; certificate_number_prefix: string }
  templates: Array<{
    template_id: string
    template_version_id: string
    category_id: string | null
    subcategory_id: string | null
    position: number
    name: string
  }>
}

async function jobContext(chunk: Chunk): Promise<JobContext> {
  const job = await db
    .from('certificate_generation_jobs')
    .where('id', chunk.jobId)
    .where('organization_id', chunk.organizationId)
    .firstOrFail()
  const org = await db
    .from('organizations')
    .where('id', chunk.organizationId)
    .select('name', 'certificate_number_format', 'certificate_number_prefix')
    .firstOrFail()
  const templates = await db
    .from('generation_job_templates as gt')
    .join('certificate_templates as t', 't.id', 'gt.template_id')
    .where('gt.job_id', chunk.jobId)
    .orderBy('gt.position', 'asc')
    .select(
      'gt.template_id',
      'gt.template_version_id',
      'gt.category_id',
      'gt.subcategory_id',
      'gt.position',
      't.name'
    )
  return { job, org, templates }
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
  { name: 'certificate_file_id', pg: 'uuid' },
  { name: 'sha256', pg: 'text' },
  { name: 'issued_at', pg: 'timestamptz' },
  { name: 'created_by', pg: 'uuid' },
  { name: 'created_at', pg: 'timestamptz' },
  { name: 'updated_at', pg: 'timestamptz' },
] as const

export default class ProcessChunk {
  static async handle(job: RunningJob<ChunkPayload>): Promise<void> {
    const chunk: Chunk = { ...job.payload, id: job.id, organizationId: job.organizationId! }
    await this.run(chunk, job)
    // The job's last chunk: sweep what failed attempts left in storage.
    const status = await GenerationJob.query().where('id', chunk.jobId).select('status').first()
    if (status?.isFinished) await sweepAfterwards(chunk)
  }

  private static async run(chunk: Chunk, job: RunningJob<ChunkPayload>) {
    const timings = phaseTimer()
    const context = await jobContext(chunk)

    // 1. The chunk's block of numbers, reserved once (a retry finds it).
    const firstNumber = await db.transaction(async (trx) => {
      await job.fence(trx)
      const row = await GenerationJobChunk.query({ client: trx })
        .where('id', chunk.id)
        .firstOrFail()
      row.attempts = job.attempt
      if (row.firstNumber !== null) {
        await row.save()
        return Number(row.firstNumber)
      }
      if (context.job.status === 'cancelled') {
        await finishChunk(trx, chunk, 'cancelled')
        await refreshJob(trx, chunk.jobId)
        await job.complete(trx)
        return null
      }
      const count = (chunk.endPosition - chunk.firstPosition) * context.templates.length
      row.firstNumber = await allocateNumbers(trx, chunk.organizationId, count)
      await row.save()
      if (context.job.status === 'queued') {
        const generationJob = await GenerationJob.lockedForUpdate(trx, chunk.jobId)
        generationJob?.begin()
        await generationJob?.save()
      }
      return row.firstNumber
    })
    if (firstNumber === null) return

    // 2. Every certificate of the chunk, derived again identically on a retry: ids from
    //    (job, recipient, template), numbers from the reserved block, tokens from the ids.
    timings.lap('numbering')
    const items = await chunkItems(chunk, context, firstNumber)
    const already = await db
      .from('certificates')
      .where('generation_job_chunk_id', chunk.id)
      .count('* as total')
      .first()
    if (Number(already?.total ?? 0) > 0) {
      // A guard: issuing completes the queue job in its transaction, so a retry should not find these.
      await db.transaction(async (trx) => {
        await job.fence(trx)
        await finishChunk(trx, chunk, 'done')
        await refreshJob(trx, chunk.jobId)
        await job.complete(trx)
      })
      return
    }

    const objects: ObjectToStore[] = []
    const files: FileRecord[] = []
    const records: Array<Record<string, unknown>> = []
    const byTemplate = context.templates.map((template) => ({
      template,
      items: items.filter((item) => item.template.template_id === template.template_id),
    }))
    const createdAt = new Date()
    const inputs = await Promise.all(
      byTemplate.map(async ({ template, items: group }) => ({
        snapshot: await cachedSnapshot(chunk.organizationId, template.template_version_id),
        rows: group.map((item) => renderRow(item.facts)),
        documents: group.map((item) =>
          documentInfoFor(item.facts, {
            title: item.record.title as string,
            issuer: context.org.name,
            createdAt,
          })
        ),
      }))
    )
    timings.lap('items')
    const rendered = await renderChunk({ templates: inputs })
    timings.lap('rendering')
    job.assertLeased()

    const now = stamp(db.connection())
    byTemplate.forEach(({ template, items: group }, index) => {
      const result = rendered[index]
      const baseId = uuidv7()
      const baseKey = storageKey({
        root: 'certificates',
        orgId: chunk.organizationId,
        parts: [chunk.jobId, 'bases', `${chunk.seq}-${template.position}.pdf`],
      })
      objects.push({ orgId: chunk.organizationId, key: baseKey, bytes: result.base })
      // The base is a document by itself (the empty certificate): its checksum is of its own bytes.
      files.push({
        id: baseId,
        orgId: chunk.organizationId,
        kind: 'certificate_pdf',
        key: baseKey,
        mime: 'application/pdf',
        size: result.base.length,
        checksum: sha256Of(result.base),
        createdBy: context.job.created_by,
      })
      group.forEach((item, i) => {
        const part = result.parts.subarray(result.offsets[i], result.offsets[i + 1])
        const key = storageKey({
          root: 'certificates',
          orgId: chunk.organizationId,
          parts: [chunk.jobId, item.recipientId, `${item.facts.id}.pdf`],
        })
        const fileId = uuidv7()
        objects.push({ orgId: chunk.organizationId, key, bytes: part })
        files.push({
          id: fileId,
          orgId: chunk.organizationId,
          kind: 'certificate_pdf',
          key,
          mime: 'application/pdf',
          size: part.length,
          checksum: result.sha256[i],
          baseFileId: baseId,
          createdBy: context.job.created_by,
        })
        records.push({
          ...item.record,
          certificate_file_id: fileId,
          sha256: result.sha256[i],
          issued_at: now,
          created_at: now,
          updated_at: now,
        })
      })
    })

    // 3. Objects first: rows never point at nothing.
    await putObjects(objects)
    timings.lap('storing')
    job.assertLeased()

    // 4. Issue: rows, usage, the chunk done, the job's counts.
    await db.transaction(async (trx) => {
      await job.fence(trx)
      await registerFiles(trx, files)
      await bulkInsert(trx, 'certificates', [...CERTIFICATE_COLUMNS], records, {
        onConflictDoNothing: 'generation_job_id, generation_job_recipient_id, template_id',
      })
      await RecordCertificateUsage.handle(trx, {
        organizationId: chunk.organizationId,
        jobId: chunk.jobId,
        certificateIds: records.map((record) => record.id as string),
      })
      await finishChunk(trx, chunk, 'done')
      await refreshJob(trx, chunk.jobId, { issued: records.length })
      await job.complete(trx)
    })
    timings.lap('issuing')
    logger.debug(
      {
        job: chunk.jobId,
        chunk: chunk.seq,
        certificates: records.length,
        ms: timings.laps,
        thread_ms: rendered.map((result) => result.ms),
      },
      'generation chunk issued'
    )
  }
}

/** Milliseconds spent in each phase of a chunk, for the debug log. */
function phaseTimer() {
  let last = performance.now()
  const laps: Record<string, number> = {}
  return {
    laps,
    lap(name: string) {
      const now = performance.now()
      laps[name] = Math.round(now - last)
      last = now
    },
  }
}

function sha256Of(bytes: Uint8Array) {
  return createHash('sha256').update(bytes).digest('hex')
}

/** A certificate's id, the same on every attempt: a UUID (version 8) from the job, recipient and template. */
export function certificateIdFor(jobId: string, recipientId: string, templateId: string) {
  const hex = createHash('sha256')
    .update(`certificate\u0000${jobId}\u0000${recipientId}\u0000${templateId}`)
    .digest('hex')
  const variant = ((Number.parseInt(hex[16], 16) & 0x3) | 0x8).toString(16)
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}

interface ChunkItem {
  recipientId: string
  template: JobContext['templates'][number]
  facts: Parameters<typeof renderRow>[0]
  record: Record<string, unknown>
}

/** The chunk's recipients × templates in order (recipient position, then template position), numbered from `first`. */
async function chunkItems(chunk: Chunk, context: JobContext, first: number): Promise<ChunkItem[]> {
  const recipients = await chunkRecipients(chunk.jobId, {
    first: chunk.firstPosition,
    end: chunk.endPosition,
  }).select('id', 'recipient_name', 'recipient_email', 'recipient_phone', 'recipient_data')
  const expiry = {
    mode: context.job.expiry_mode,
    date: context.job.expiry_date,
    months: context.job.expiry_months,
  }
  const items: ChunkItem[] = []
  for (const recipient of recipients) {
    const data: Record<string, string> =
      typeof recipient.recipient_data === 'string'
        ? JSON.parse(recipient.recipient_data)
        : recipient.recipient_data
    const issueDate = issueDateFor(data, context.job.issue_date)
    const expiryDate = expiryDateFor(data, issueDate, expiry)
    const expiresAt = expiresAtFor(expiryDate)
    for (const template of context.templates) {
      const sequence = first + items.length
      const id = certificateIdFor(chunk.jobId, recipient.id, template.template_id)
      const certificateNumber = formatCertificateNumber(context.org.certificate_number_format, {
        prefix: context.org.certificate_number_prefix,
        date: new Date(`${issueDate}T00:00:00Z`),
        sequence,
      })
      items.push({
        recipientId: recipient.id,
        template,
        facts: {
          id,
          recipientName: recipient.recipient_name,
          recipientEmail: recipient.recipient_email,
          recipientPhone: recipient.recipient_phone,
          recipientData: data,
          certificateNumber,
          issueDate,
          expiryDate,
        },
        record: {
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
          certificate_number: certificateNumber,
          sequence_number: sequence,
          status: 'issued',
          issue_date: issueDate,
          expiry_date: expiryDate,
          expires_at: expiresAt ? dbTimestamp(undefined, expiresAt) : null,
          verification_token_hash: verificationTokenHash(id),
          created_by: context.job.created_by,
        },
      })
    }
  }
  return items
}

async function finishChunk(
  trx: TransactionClientContract,
  chunk: Chunk,
  status: 'done' | 'cancelled'
) {
  const now = stamp(trx)
  await trx
    .from('generation_job_chunks')
    .where('id', chunk.id)
    .update({ status, done_at: now, updated_at: now })
}

/** Storage sweep once a job has ended; a failure here is only logged (the hourly sweep runs it again). */
export async function sweepAfterwards(chunk: { jobId: string; organizationId: string }) {
  await SweepJobObjects.handle({ id: chunk.jobId, organizationId: chunk.organizationId }).catch(
    (error) => logger.warn({ err: error, job: chunk.jobId }, 'could not sweep job objects')
  )
}
