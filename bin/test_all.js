#!/usr/bin/env node
/*
| `npm test`: the module dependency check, then the whole Japa suite on SQLite,
| then again on PostgreSQL when PG_HOST or DATABASE_URL is set and reachable
| (in a throwaway database created and dropped here). Prints one
| `<engine>: N passed, N failed` line per engine; exits non-zero on any failure.
| Extra arguments are passed to `node ace test` (e.g. `npm test -- --files=...`).
*/
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join, relative } from 'node:path'
import pg from 'pg'

const root = new URL('..', import.meta.url).pathname
const tmp = join(root, 'tmp')
mkdirSync(tmp, { recursive: true })
const results = []

/** Every *.spec.ts under a folder, as Japa file filters (path without the suffix). */
function specFilters(folder) {
  return readdirSync(folder, { recursive: true })
    .filter((file) => /\.spec\.(ts|js)$/.test(file))
    .map((file) => relative(root, join(folder, file)).replace(/\.spec\.(ts|js)$/, ''))
}

// Japa matches --files against the END of a file's path, so a folder name
// matches nothing; expand `--files=<folder>` into the folder's spec files.
const extraArgs = process.argv.slice(2).flatMap((arg) => {
  const match = /^--files=(.+)$/.exec(arg)
  const folder = match && join(root, match[1].replace(/\/+$/, ''))
  if (!folder || !existsSync(folder) || !statSync(folder).isDirectory()) return [arg]
  return specFilters(folder).map((filter) => `--files=${filter}`)
})

function run(command, args, env = {}) {
  const child = spawnSync(command, args, {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ...env },
  })
  return child.status ?? 1
}

function runSuite(engine, env) {
  const summaryFile = join(
    tmp,
    `test-summary-${engine}${process.env.TEST_RUN_ID ? `-${process.env.TEST_RUN_ID}` : ''}.json`
  )
  rmSync(summaryFile, { force: true })
  const status = run(process.execPath, ['ace', 'test', ...extraArgs], {
    ...env,
    TEST_SUMMARY_FILE: summaryFile,
  })
  let summary = { passed: 0, failed: 0 }
  if (existsSync(summaryFile)) summary = JSON.parse(readFileSync(summaryFile, 'utf8'))
  // A crash before the reporter ran still counts as a failure, and so does a
  // run where no test matched (a mistyped --files is not a green run).
  const noTests = summary.passed + summary.failed === 0
  if (noTests) console.log(`\n${engine}: no test ran; check the --files filter.`)
  const failed = summary.failed + ((status !== 0 && summary.failed === 0) || noTests ? 1 : 0)
  results.push({ engine, passed: summary.passed, failed, status })
}

function pgAdminConfig() {
  if (process.env.DATABASE_URL) {
    const url = new URL(process.env.DATABASE_URL)
    return {
      url,
      admin: {
        connectionString: Object.assign(new URL(url), { pathname: '/postgres' }).toString(),
      },
    }
  }
  if (process.env.PG_HOST) {
    return {
      url: null,
      admin: {
        host: process.env.PG_HOST,
        port: Number(process.env.PG_PORT ?? 5432),
        user: process.env.PG_USER ?? 'postgres',
        password: process.env.PG_PASSWORD ?? '',
        database: 'postgres',
      },
    }
  }
  return null
}

async function withPg(config, fn) {
  const client = new pg.Client({ ...config, connectionTimeoutMillis: 3000 })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

// 1. Module boundaries (ARCHITECTURE.md), checked before any test runs.
const depStatus = run(process.execPath, [
  join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs'),
  'app',
  'commands',
  'start',
  '--config',
  '.dependency-cruiser.cjs',
  '--output-type',
  'err',
])
results.push({
  engine: 'dependencies',
  passed: depStatus === 0 ? 1 : 0,
  failed: depStatus === 0 ? 0 : 1,
  status: depStatus,
})

// 2. SQLite, on a fresh file.
// TEST_RUN_ID lets several runs share a checkout (own SQLite file and storage).
const runId = (process.env.TEST_RUN_ID ?? '').replace(/[^a-z0-9]/gi, '')
const sqliteFile = join(tmp, `test${runId ? `-${runId}` : ''}.sqlite3`)
const storage = join(tmp, `test-storage${runId ? `-${runId}` : ''}`)
for (const suffix of ['', '-wal', '-shm']) rmSync(sqliteFile + suffix, { force: true })
rmSync(storage, { recursive: true, force: true })
runSuite('sqlite', { DB_CONNECTION: 'sqlite', SQLITE_PATH: sqliteFile, STORAGE_PATH: storage })

// 3. PostgreSQL, in a throwaway database.
const pgConfig = pgAdminConfig()
if (pgConfig) {
  const dbName = `authentix_test_${randomBytes(4).toString('hex')}`
  let created = false
  try {
    await withPg(pgConfig.admin, (c) => c.query(`CREATE DATABASE ${dbName}`))
    created = true
  } catch (error) {
    console.log(`\nPostgreSQL not reachable (${error.message}); skipping the PostgreSQL run.`)
  }
  if (created) {
    rmSync(storage, { recursive: true, force: true })
    const env = { DB_CONNECTION: 'pg', STORAGE_PATH: storage }
    if (pgConfig.url)
      env.DATABASE_URL = Object.assign(new URL(pgConfig.url), { pathname: `/${dbName}` }).toString()
    else env.PG_DB_NAME = dbName
    try {
      runSuite('postgres', env)
    } finally {
      await withPg(pgConfig.admin, (c) =>
        c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`)
      ).catch(() => {})
    }
  }
} else {
  console.log('\nPG_HOST / DATABASE_URL not set; PostgreSQL run skipped.')
}

console.log('')
for (const r of results) console.log(`${r.engine}: ${r.passed} passed, ${r.failed} failed`)
const total = results
  .filter((r) => r.engine !== 'dependencies')
  .reduce((t, r) => ({ passed: t.passed + r.passed, failed: t.failed + r.failed }), {
    passed: 0,
    failed: 0,
  })
console.log(`total: ${total.passed} passed, ${total.failed} failed`)
process.exitCode = results.some((r) => r.failed > 0 || r.status !== 0) ? 1 : 0
