import type { QueryClientContract } from '@adonisjs/lucid/types/database'

/**
 * Many rows in few statements: on PostgreSQL one `INSERT … SELECT` over a
 * JSON array (one parameter however many rows, JSON columns go in as
 * JSON; columns name their PostgreSQL type), on SQLite multi-row VALUES
 * with bound parameters, about 1,200 values per statement: better-sqlite3
 * runs a statement on the event loop, and a certificate row (27 columns,
 * 13 indexes) costs ~0.1 ms, so 44 rows a statement keep each under ~5 ms,
 * with the loop let in before each one.
 */
const SQLITE_VALUES_PER_STATEMENT = 1_200

export interface BulkColumn {
  name: string
  pg: 'uuid' | 'text' | 'int' | 'bigint' | 'json' | 'timestamptz' | 'boolean'
}

export async function bulkInsert(
  client: QueryClientContract,
  table: string,
  columns: BulkColumn[],
  records: Array<Record<string, unknown>>,
  options: { onConflictDoNothing?: string; rowsPerStatement?: number } = {}
) {
  if (records.length === 0) return
  const names = columns.map((column) => column.name).join(', ')
  const conflict = options.onConflictDoNothing
    ? ` ON CONFLICT (${options.onConflictDoNothing}) DO NOTHING`
    : ''
  if (client.dialect.name === 'postgres') {
    const types = columns.map((column) => `${column.name} ${column.pg}`).join(', ')
    await client.rawQuery(
      `INSERT INTO ${table} (${names}) SELECT ${names} FROM json_to_recordset(?::json) AS x(${types})${conflict}`,
      [JSON.stringify(records)]
    )
    return
  }
  for (const statement of sqliteInsertStatements(table, columns, records, options)) {
    // better-sqlite3 blocks while a statement runs: let the event loop in before each one.
    await new Promise<void>((resolve) => setImmediate(resolve))
    await client.rawQuery(statement.sql, statement.bindings as any[])
  }
}

/**
 * SQLite: the multi-row VALUES statements (with bound parameters, not
 * limited to 500 terms since 3.8.8) `bulkInsert` runs, for a caller that
 * runs them elsewhere (#core/services/sqlite_writer_thread). Cheaper than
 * json_each here: `json_extract` parses the row's object again for every
 * column.
 */
export function sqliteInsertStatements(
  table: string,
  columns: BulkColumn[],
  records: Array<Record<string, unknown>>,
  options: { onConflictDoNothing?: string; rowsPerStatement?: number } = {}
) {
  const names = columns.map((column) => column.name).join(', ')
  const conflict = options.onConflictDoNothing
    ? ` ON CONFLICT (${options.onConflictDoNothing}) DO NOTHING`
    : ''
  const perStatement = Math.max(
    1,
    options.rowsPerStatement ?? Math.floor(SQLITE_VALUES_PER_STATEMENT / columns.length)
  )
  const placeholders = `(${columns.map(() => '?').join(', ')})`
  const statements: { sql: string; bindings: unknown[] }[] = []
  for (let at = 0; at < records.length; at += perStatement) {
    const slice = records.slice(at, at + perStatement)
    const bindings: unknown[] = []
    for (const record of slice) {
      for (const column of columns) {
        const value = record[column.name]
        bindings.push(
          value === undefined || value === null
            ? null
            : column.pg === 'json'
              ? JSON.stringify(value)
              : column.pg === 'boolean'
                ? value
                  ? 1
                  : 0
                : value
        )
      }
    }
    statements.push({
      sql: `INSERT INTO ${table} (${names}) VALUES ${slice.map(() => placeholders).join(', ')}${conflict}`,
      bindings,
    })
  }
  return statements
}

/** Rows of a raw SELECT on either engine (PostgreSQL wraps them in `.rows`). */
export function rowsOf<T>(result: any): T[] {
  return (Array.isArray(result) ? result : result.rows) as T[]
}
