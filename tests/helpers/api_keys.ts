import db from '@adonisjs/lucid/services/db'
import type Organization from '#orgs/models/organization'
import CreateApiKey from '#orgs/actions/create_api_key'

/** A live API key of `org`; returns the raw key to send as `Authorization: Bearer`. */
export async function givenApiKey(org: Organization, name = 'Test key') {
  return CreateApiKey.handle({ org, name, createdBy: null, via: 'cli' })
}

/**
 * Every text value in every table, for "this secret is stored nowhere" checks
 * (A11). Reads through the default connection, inside the test's transaction.
 */
export async function databaseContains(needle: string): Promise<string[]> {
  const dialect = db.connection().dialect.name
  let tables: string[]
  if (dialect === 'postgres') {
    const pgTables = await db.rawQuery(
      'select tablename from pg_tables where schemaname = current_schema()'
    )
    tables = pgTables.rows.map((row: { tablename: string }) => row.tablename)
  } else {
    const sqliteTables = await db.rawQuery(
      "select name from sqlite_master where type = 'table' and name not like 'sqlite_%'"
    )
    tables = sqliteTables.map((row: { name: string }) => row.name)
  }
  const hits: string[] = []
  for (const table of tables) {
    const rows = await db.from(table).select('*')
    for (const row of rows) {
      const text = JSON.stringify(row, (_key, value) =>
        Buffer.isBuffer(value) ? value.toString('utf8') : value
      )
      if (text.includes(needle)) hits.push(table)
    }
  }
  return [...new Set(hits)]
}
