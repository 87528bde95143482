import type { DateTime } from 'luxon'
import { column, hasMany } from '@adonisjs/lucid/orm'
import type { HasMany } from '@adonisjs/lucid/types/relations'
import { TimestampedModel } from '#core/models/app_model'
import { jsonColumn } from '#core/models/columns'
import FileImportRow from '#imports/models/file_import_row'
import type { ColumnMapping } from '#imports/services/column_mapping'

export const IMPORT_STATUSES = ['uploaded', 'processing', 'ready', 'failed'] as const
export type ImportStatus = (typeof IMPORT_STATUSES)[number]

export interface ImportSummary {
  /** How the file was read. */
  encoding?: string | null
  delimiter?: string | null
  sheets?: Array<{ name: string; hidden: boolean }>
  header_detected?: boolean
  suspect_mojibake?: boolean
  /** Rows below the header that are not recipients (blank, totals, notes). */
  skipped_rows?: Array<{ row_index: number; reason: string }>
  /** Errors and warnings by code, across all rows. */
  codes?: Record<string, number>
  /** Sample values per column (the mapping screen shows them). */
  samples?: Record<string, string[]>
  /** Keys the chosen templates require, and their date and custom keys. */
  required_keys?: string[]
  date_keys?: string[]
  custom_keys?: string[]
}

/** One recipient list (an uploaded file or a manual batch) and what became of it (design §5.5). */
export default class FileImportJob extends TimestampedModel {
  static table = 'file_import_jobs'

  @column()
  declare organizationId: string

  @column()
  declare categoryId: string | null

  @column()
  declare subcategoryId: string | null

  @column()
  declare status: ImportStatus

  @column()
  declare source: 'file' | 'manual'

  @column()
  declare originalFileId: string | null

  @column()
  declare fileName: string | null

  @column()
  declare format: 'csv' | 'xlsx' | 'manual'

  @column()
  declare sheet: string | null

  @column()
  declare headerRow: number | null

  @jsonColumn()
  declare columns: string[]

  @jsonColumn()
  declare mapping: ColumnMapping

  @jsonColumn()
  declare templateIds: string[]

  @column()
  declare totalRows: number

  @column()
  declare validRows: number

  @column()
  declare errorRows: number

  @column()
  declare warningRows: number

  /** While a file is read: rows so far, and how far through the file (0–100). */
  @column()
  declare rowsRead: number

  @column()
  declare readPercent: number

  @jsonColumn()
  declare summary: ImportSummary

  @column()
  declare failureCode: string | null

  @column()
  declare failureMessage: string | null

  @column()
  declare createdBy: string | null

  @column.dateTime()
  declare processedAt: DateTime | null

  @hasMany(() => FileImportRow, { foreignKey: 'importJobId' })
  declare rows: HasMany<typeof FileImportRow>

  get isTerminal() {
    return this.status === 'ready' || this.status === 'failed'
  }
}
