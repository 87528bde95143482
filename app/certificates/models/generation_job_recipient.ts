import type { DateTime } from 'luxon'
import { column } from '@adonisjs/lucid/orm'
import { AppModel } from '#core/models/app_model'
import { jsonColumn } from '#core/models/columns'

/** A recipient of a job: a valid import row or one entered by hand, `position` 0..n-1. */
export default class GenerationJobRecipient extends AppModel {
  static table = 'generation_job_recipients'

  @column()
  declare jobId: string

  @column()
  declare position: number

  @column()
  declare importRowId: string | null

  /** The row number in the imported file, for messages. */
  @column()
  declare rowIndex: number | null

  @column()
  declare recipientName: string

  @column()
  declare recipientEmail: string | null

  @column()
  declare recipientPhone: string | null

  /** Every merge key of the row (normalised import data). */
  @jsonColumn()
  declare recipientData: Record<string, string>

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime
}
