import db from '@adonisjs/lucid/services/db'
import type { QueryClientContract } from '@adonisjs/lucid/types/database'
import { DateTime } from 'luxon'

/**
 * A moment as a timestamp column takes it in a query-builder write (models
 * convert their own DateTime columns): UTC, in the engine's format
 * (SQLite stores text, PostgreSQL a timestamptz).
 */
export function dbTimestamp(
  client: QueryClientContract = db.connection(),
  at: DateTime = DateTime.utc()
) {
  return at.toUTC().toFormat(client.dialect.dateTimeFormat)
}
