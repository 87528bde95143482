import { randomUUID } from 'node:crypto'
import { BaseModel, beforeCreate, column } from '@adonisjs/lucid/orm'
import type { DateTime } from 'luxon'

/**
 * Base for every domain table: UUID primary key assigned by the app (so it is
 * known before the insert and identical on SQLite and PostgreSQL).
 */
export class AppModel extends BaseModel {
  static selfAssignPrimaryKey = true

  @column({ isPrimary: true })
  declare id: string

  @beforeCreate()
  static assignId(model: AppModel) {
    if (!model.id) model.id = randomUUID()
  }
}

/** AppModel with created_at/updated_at maintained by Lucid. */
export class TimestampedModel extends AppModel {
  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime
}
