import type { QueryClientContract } from '@adonisjs/lucid/types/database'

/**
 * Many rows in one `INSERT … SELECT` over a JSON array, on both engines:
 * one parameter however many rows (SQLite caps a multi-row VALUES at 500
 * terms and 32,766 parameters), JSON columns go in as JSON. Columns name
 * their PostgreSQL type; SQLite takes every value as `json_extract` gives it.
 */
export interface BulkColumn {
  name: string
  pg: 'uuid' | 'text' | 'int' | 'bigint' | 'json' | 'timestamptz' | 'boolean'
}

export async function bulkInsert(
  client: QueryClientContract,
  table: string,
  columns: BulkColumn[],
  records: Array<Record<string, unknown>>,
  options: { onConflictDoNothing?: string } = {}
) {
  if (records.length === 0) return
  const names = columns.map((column) => column.name).join(', ')
  const conflict = options.onConflictDoNothing ? ` ON CONFLICT (${options.onConflictDoNothing}) DO NOTHING` : ''
  const json = JSON.stringify(records)
  if (client.dialect.name === 'postgres') {
    const types = columns.map((column) => `${column.name} ${column.pg}`).join(', ')
    await client.rawQuery(`INSERT INTO ${table} (${names}) SELECT ${names} FROM json_to_recordset(?::json) AS x(${types})${conflict}`, [json])
  } else {
    const values = columns.map((column) => `json_extract(value, '$.${column.name}')`).join(', ')
    await client.rawQuery(`INSERT INTO ${table} (${names}) SELECT ${values} FROM json_each(?) WHERE true${conflict}`, [json])
  }
}

/** Rows of a raw SELECT on either engine (PostgreSQL wraps them in `.rows`). */
export function rowsOf<T>(result: any): T[] {
  return (Array.isArray(result) ? result : result.rows) as T[]
}
