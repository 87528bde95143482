import env from '#start/env'
import app from '@adonisjs/core/services/app'
import { defineConfig } from '@adonisjs/lucid'
import { prepareSqliteConnection } from '#core/services/sqlite_checkpoints'
import { keepPreparedStatements } from '#core/services/sqlite_statements'

const migrations = { naturalSort: true, paths: ['database/migrations'] }
const seeders = { paths: ['database/seeders'] }

function sqlitePath() {
  const configured = env.get('SQLITE_PATH')
  if (!configured) return app.tmpPath(app.inTest ? 'test.sqlite3' : 'authentix.sqlite3')
  return configured.startsWith('/') ? configured : app.makePath(configured)
}

const dbConfig = defineConfig({
  connection: env.get('DB_CONNECTION', 'sqlite'),
  prettyPrintDebugQueries: true,
  connections: {
    sqlite: {
      client: 'better-sqlite3',
      connection: { filename: sqlitePath() },
      useNullAsDefault: true,
      pool: {
        // One writer at a time is SQLite's model: WAL lets readers proceed,
        // busy_timeout makes a second process wait instead of failing;
        // checkpoints run in a thread, not in a COMMIT on the event loop;
        // statements run again and again are prepared once.
        afterCreate: (connection: any, done: (error: Error | null, connection: any) => void) => {
          prepareSqliteConnection(connection)
          keepPreparedStatements(connection)
          done(null, connection)
        },
      },
      migrations,
      seeders,
    },
    pg: {
      client: 'pg',
      connection: env.get('DATABASE_URL')
        ? { connectionString: env.get('DATABASE_URL') }
        : {
            host: env.get('PG_HOST', '127.0.0.1'),
            port: env.get('PG_PORT', 5432),
            user: env.get('PG_USER', 'postgres'),
            password: env.get('PG_PASSWORD', ''),
            database: env.get('PG_DB_NAME', 'authentix'),
          },
      migrations,
      seeders,
    },
  },
})

export default dbConfig
