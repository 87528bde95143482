import type { DateTime } from 'luxon'
import { column } from '@adonisjs/lucid/orm'
import { AppModel } from '#core/models/app_model'

/** A certificate a message carries, and the PDF it pointed to when queued. */
export default class DeliveryMessageItem extends AppModel {
  static table = 'delivery_message_items'

  @column()
  declare messageId: string

  @column()
  declare certificateId: string | null

  @column()
  declare fileId: string | null

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime
}
