import db from '@adonisjs/lucid/services/db'

/** Names of the application's tables (both engines), migrations bookkeeping excluded. */
async function tableNames(): Promise<string[]> {
  const client = db.connection()
  if (client.dialect.name === 'postgres') {
    const rows = await client
      .from('information_schema.tables')
      .where('table_schema', 'public')
      .where('table_type', 'BASE TABLE')
      .select('table_name')
    return rows
      .map((row: any) => row.table_name)
      .filter((name: string) => !name.startsWith('adonis_schema'))
  }
  const rows = await client.rawQuery(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
  )
  return (rows as any[])
    .map((row) => row.name)
    .filter((name: string) => !name.startsWith('adonis_schema'))
}

/**
 * Every place (table.column) where `needle` occurs in any row of any table,
 * e.g. to show a raw token or password was never stored (security target A11).
 */
export async function whereInDatabase(needle: string): Promise<string[]> {
  const found: string[] = []
  for (const table of await tableNames()) {
    const rows = await db.from(table).select('*')
    for (const row of rows) {
      for (const [column, value] of Object.entries(row)) {
        if (value === null || value === undefined) continue
        const text =
          typeof value === 'object' && !(value instanceof Date)
            ? JSON.stringify(value)
            : String(value)
        if (text.includes(needle)) found.push(`${table}.${column}`)
      }
    }
  }
  return found
}
