import { column } from '@adonisjs/lucid/orm'
import { TimestampedModel } from '#core/models/app_model'
import { jsonColumn } from '#core/models/columns'
import type { RowIssue } from '#imports/services/row_validation'

/** One row of an import: the cells as they were in the file, the record generation will use, and its problems. */
export default class FileImportRow extends TimestampedModel {
  static table = 'file_import_rows'

  @column()
  declare importJobId: string

  /** The row's number in the file, as the user sees it (Excel's row, the CSV's record). */
  @column()
  declare rowIndex: number

  /** The cells verbatim, in the file's column order. */
  @jsonColumn()
  declare raw: string[]

  @jsonColumn()
  declare data: Record<string, string>

  @jsonColumn()
  declare errors: RowIssue[]

  @jsonColumn()
  declare warnings: RowIssue[]

  @column()
  declare errorCount: number

  @column()
  declare warningCount: number

  @column()
  declare duplicateKey: string | null

  /** Set when the row is not a recipient under the current mapping; such rows are neither counted nor issued. */
  @column()
  declare skippedReason: string | null
}
