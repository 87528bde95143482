import { column } from '@adonisjs/lucid/orm'
import { TimestampedModel } from '#core/models/app_model'
import { jsonColumn } from '#core/models/columns'
import type { ColumnMapping } from '#imports/services/column_mapping'

/** The mapping an org last confirmed for one set of headers; offered for the next file with the same headers. */
export default class OrganizationImportMapping extends TimestampedModel {
  static table = 'organization_import_mappings'

  @column()
  declare organizationId: string

  /** SHA-256 of the headers' signature (case, spacing and punctuation ignored). */
  @column()
  declare headersHash: string

  @jsonColumn()
  declare columns: string[]

  @jsonColumn()
  declare mapping: ColumnMapping
}
