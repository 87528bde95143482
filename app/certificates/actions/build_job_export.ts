import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import drive from '@adonisjs/drive/services/main'
import StoredFile from '#core/models/stored_file'
import { storeBuiltFile } from '#core/actions/store_objects'
import { readFileOfOrg } from '#core/queries/org_files'
import { CSV_BOM, csvLine } from '#core/services/csv_export'
import { fileSlug } from '#core/services/downloads'
import { storageKey } from '#core/services/storage_keys'
import { ZipWriter, crcOf } from '#core/services/zip_writer'
import { crc32 } from 'node:zlib'
import { DateTime } from 'luxon'
import type GenerationJob from '#certificates/models/generation_job'
import Certificate from '#certificates/models/certificate'
import { verificationUrl } from '#certificates/services/verification_links'

/**
 * A job's bulk export: every certificate PDF plus `manifest.csv` (number,
 * name, email, status, verification URL; formula-safe), written as a
 * stored ZIP to a temporary file a certificate at a time, then put at
 * `exports/<org>/<job>/bulk.zip`. A certificate kept as base + part costs
 * the CRC of its part only (the base's CRC is computed once per chunk).
 * Built again when any certificate of the job changed since (a revocation
 * changes the manifest).
 */
export default class BuildJobExport {
  static async current(job: GenerationJob): Promise<StoredFile> {
    const changed = await Certificate.query()
      .where('generation_job_id', job.id)
      .whereNot('status', 'pending')
      .max('updated_at as latest')
      .first()
    const latest = changed?.$extras.latest ? new Date(changed.$extras.latest) : null
    if (
      job.exportFileId &&
      job.exportBuiltAt &&
      (!latest || latest.getTime() <= job.exportBuiltAt.toMillis())
    ) {
      const existing = await StoredFile.query()
        .where('organization_id', job.organizationId)
        .where('id', job.exportFileId)
        .first()
      if (existing) return existing
    }
    return this.build(job)
  }

  static async build(job: GenerationJob): Promise<StoredFile> {
    const builtAt = new Date()
    const dir = await mkdtemp(join(tmpdir(), 'authentix-export-'))
    const path = join(dir, 'bulk.zip')
    try {
      const out = createWriteStream(path)
      const hash = createHash('sha256')
      let size = 0
      const zip = new ZipWriter((chunk) => {
        hash.update(chunk)
        size += chunk.length
        if (!out.write(chunk))
          return new Promise<void>((resolve) => out.once('drain', () => resolve()))
      })
      const manifest: string[] = [
        CSV_BOM +
          csvLine([
            'certificate_number',
            'recipient_name',
            'recipient_email',
            'status',
            'verification_url',
            'title',
            'issue_date',
            'expiry_date',
            'file',
          ]),
      ]
      const bases = new Map<string, { bytes: Uint8Array; crc: number }>()
      const disk = drive.use()
      let lastSequence = -1
      for (;;) {
        const page = await Certificate.query()
          .where('generation_job_id', job.id)
          .whereNot('status', 'pending')
          .where('sequence_number', '>', lastSequence)
          .orderBy('sequence_number', 'asc')
          .limit(500)
        if (page.length === 0) break
        const files = await StoredFile.query()
          .where('organization_id', job.organizationId)
          .whereIn('id', page.map((certificate) => certificate.certificateFileId!).filter(Boolean))
        const byId = new Map(files.map((file) => [file.id, file]))
        for (const certificate of page) {
          lastSequence = certificate.sequenceNumber
          const file = certificate.certificateFileId
            ? byId.get(certificate.certificateFileId)
            : undefined
          if (!file) continue
          const own = await disk.getBytes(file.path)
          const name = `${certificate.certificateNumber}-${fileSlug(certificate.recipientName, 'certificate')}.pdf`
          if (file.baseFileId) {
            let base = bases.get(file.baseFileId)
            if (!base) {
              const { bytes } = await readFileOfOrg(job.organizationId, file.baseFileId)
              base = { bytes, crc: crcOf([bytes]) }
              bases.clear()
              bases.set(file.baseFileId, base)
            }
            await zip.add({
              name,
              pieces: [base.bytes, own],
              crc: crc32(own, base.crc),
              modified: certificate.issuedAt?.toJSDate(),
            })
          } else {
            await zip.add({ name, pieces: [own], modified: certificate.issuedAt?.toJSDate() })
          }
          manifest.push(
            csvLine([
              certificate.certificateNumber,
              certificate.recipientName,
              certificate.recipientEmail ?? '',
              certificate.status,
              verificationUrl(certificate.id),
              certificate.title,
              certificate.issueDate,
              certificate.expiryDate ?? '',
              name,
            ])
          )
        }
      }
      await zip.add({
        name: 'manifest.csv',
        pieces: [Buffer.from(manifest.join(''), 'utf8')],
        modified: builtAt,
      })
      await zip.finish()
      await new Promise<void>((resolve, reject) =>
        out.end((error?: Error | null) => (error ? reject(error) : resolve()))
      )
      const key = storageKey({
        root: 'exports',
        orgId: job.organizationId,
        parts: [job.id, 'bulk.zip'],
      })
      const file = await storeBuiltFile({
        orgId: job.organizationId,
        kind: 'export_zip',
        key,
        localPath: path,
        mime: 'application/zip',
        size,
        checksum: hash.digest('hex'),
        createdBy: job.createdBy,
      })
      job.merge({ exportFileId: file.id })
      job.exportBuiltAt = DateTime.fromJSDate(builtAt)
      await job.save()
      return file
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }
}
