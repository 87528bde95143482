import type { DateTime } from 'luxon'
import { column } from '@adonisjs/lucid/orm'
import { AppModel } from '#core/models/app_model'

/** What a stored object is; CHECK-constrained in the `files` table. */
export const FILE_KINDS = [
  'template_source',
  'template_preview',
  'import_original',
  'certificate_pdf',
  'certificate_preview',
  'export_zip',
  'branding_asset',
  'invoice_pdf',
  'delivery_attachment',
] as const

export type FileKind = (typeof FILE_KINDS)[number]

/** The bucket every row names (design: Storage bucket `authentix`). */
export const DEFAULT_BUCKET = 'authentix'

/**
 * Registry row for one object on the Drive disk (table `files`). Rows are
 * written by `StoreFile` only and read through their org (`readFileOfOrg`).
 */
export default class StoredFile extends AppModel {
  static table = 'files'

  @column()
  declare organizationId: string

  @column()
  declare kind: FileKind

  @column()
  declare bucket: string

  /** The object key on the disk, `<root>/<org_uuid>/…`. */
  @column()
  declare path: string

  @column()
  declare mimeType: string

  /** bigint: PostgreSQL returns it as a string, so it is normalised here. */
  @column({
    consume: (value: unknown) => (value === null || value === undefined ? value : Number(value)),
  })
  declare sizeBytes: number

  @column()
  declare originalName: string | null

  /**
   * An object stored as an incremental update of another (a certificate's
   * part after its chunk's base bytes): the document is the base's bytes
   * followed by this object's.
   */
  @column()
  declare baseFileId: string | null

  /** SHA-256 of the document the row stands for (base bytes + own bytes when `baseFileId` is set), lowercase hex. */
  @column()
  declare checksum: string

  @column()
  declare createdBy: string | null

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime
}
