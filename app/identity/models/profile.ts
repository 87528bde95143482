import { DateTime } from 'luxon'
import { BaseModel, column } from '@adonisjs/lucid/orm'

/** App-level profile of a user; shares the user's id. */
export default class Profile extends BaseModel {
  static selfAssignPrimaryKey = true

  @column({ isPrimary: true })
  declare id: string

  @column()
  declare fullName: string

  @column()
  declare firstName: string | null

  @column()
  declare lastName: string | null

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime

  /** Splits a display name for the design's first/last columns; full_name stays authoritative. */
  static namesFrom(fullName: string) {
    const clean = fullName.trim().replace(/\s+/g, ' ')
    const at = clean.lastIndexOf(' ')
    return at === -1
      ? { fullName: clean, firstName: clean, lastName: null }
      : { fullName: clean, firstName: clean.slice(0, at), lastName: clean.slice(at + 1) }
  }
}
