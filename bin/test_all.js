#!/usr/bin/env node
/*
| `npm test`: the module dependency check, then the Japa suites on SQLite,
| then again on PostgreSQL when PG_HOST or DATABASE_URL is set and reachable
| (in a throwaway database created and dropped here). The browser suite runs
| on SQLite only: it drives the same HTTP stack whatever the engine, and the
| engine differences are covered by the unit and functional suites on both.
| Prints one `<engine>: N passed, N failed` line per engine, with the suites
| it ran; exits non-zero on any failure.
|
| Extra arguments are passed to `node ace test` (suite names, `--files=...`;
| `--files=<folder>` expands to the folder's specs). `--no-deps-check` skips
| the dependency check (.ci/run runs it as a stage of its own).
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

/** The suite names declared in adonisrc.ts (`tests.suites[].name`). */
function declaredSuites() {
  const rc = readFileSync(join(root, 'adonisrc.ts'), 'utf8')
  const block = /suites:\s*\[([\s\S]*?)\n\s*\]/.exec(rc)?.[1] ?? ''
  const names = [...block.matchAll(/name:\s*'([a-z0-9_-]+)'/g)].map((m) => m[1])
  if (names.length === 0) throw new Error('adonisrc.ts declares no test suites')
  return names
}

/** Suites that run on SQLite only. */
const SQLITE_ONLY_SUITES = ['browser']

const args = process.argv.slice(2)
const depsCheck = !args.includes('--no-deps-check')
const suites = declaredSuites()

// Japa matches --files against the END of a file's path, so a folder name
// matches nothing; expand `--files=<folder>` into the folder's spec files.
const japaArgs = args
  .filter((arg) => arg !== '--no-deps-check' && !suites.includes(arg))
  .flatMap((arg) => {
    const match = /^--files=(.+)$/.exec(arg)
    const folder = match && join(root, match[1].replace(/\/+$/, ''))
    if (!folder || !existsSync(folder) || !statSync(folder).isDirectory()) return [arg]
    return specFilters(folder).map((filter) => `--files=${filter}`)
  })
const askedSuites = args.filter((arg) => suites.includes(arg))
const fileFilters = japaArgs.filter((arg) => arg.startsWith('--files=')).map((a) => a.slice(8))

/**
 * The suites an engine runs: those asked for (all by default), less the
 * SQLite-only ones elsewhere, less any that no --files filter can reach
 * (a filter under tests/<suite>/ only reaches that suite).
 */
function suitesFor(engine) {
  return (askedSuites.length ? askedSuites : suites).filter((suite) => {
    if (engine !== 'sqlite' && SQLITE_ONLY_SUITES.includes(suite)) return false
    if (fileFilters.length === 0) return true
    return fileFilters.some((f) => !/^tests\/[^/]+\//.test(f) || f.startsWith(`tests/${suite}/`))
  })
}

function run(command, args, env = {}) {
  const child = spawnSync(command, args, {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ...env },
  })
  return child.status ?? 1
}

function runSuites(engine, env) {
  const engineSuites = suitesFor(engine)
  if (engineSuites.length === 0) {
    // A mistyped --files is not a green run.
    console.log(`\n${engine}: no suite matches the --files filter.`)
    results.push({ engine, passed: 0, failed: 1, status: 1, suites: [] })
    return
  }
  console.log(`\n==> ${engine}: suites ${engineSuites.join(', ')}`)
  const summaryFile = join(
    tmp,
    `test-summary-${engine}${process.env.TEST_RUN_ID ? `-${process.env.TEST_RUN_ID}` : ''}.json`
  )
  rmSync(summaryFile, { force: true })
  const status = run(process.execPath, ['ace', 'test', ...engineSuites, ...japaArgs], {
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
  results.push({ engine, passed: summary.passed, failed, status, suites: engineSuites })
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
if (depsCheck) {
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
}

// 2. SQLite, on a fresh file.
// TEST_RUN_ID lets several runs share a checkout (own SQLite file and storage).
const runId = (process.env.TEST_RUN_ID ?? '').replace(/[^a-z0-9]/gi, '')
const sqliteFile = join(tmp, `test${runId ? `-${runId}` : ''}.sqlite3`)
const storage = join(tmp, `test-storage${runId ? `-${runId}` : ''}`)
for (const suffix of ['', '-wal', '-shm']) rmSync(sqliteFile + suffix, { force: true })
rmSync(storage, { recursive: true, force: true })
runSuites('sqlite', { DB_CONNECTION: 'sqlite', SQLITE_PATH: sqliteFile, STORAGE_PATH: storage })

// 3. PostgreSQL, in a throwaway database.
const pgConfig = pgAdminConfig()
if (pgConfig && suitesFor('postgres').length === 0) {
  console.log('\npostgres: no suite left to run (the browser suite runs on SQLite only); skipped.')
} else if (pgConfig) {
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
      runSuites('postgres', env)
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
for (const r of results) {
  const suitesRan = r.suites ? ` (suites: ${r.suites.join(', ') || 'none'})` : ''
  console.log(`${r.engine}: ${r.passed} passed, ${r.failed} failed${suitesRan}`)
}
const total = results
  .filter((r) => r.engine !== 'dependencies')
  .reduce((t, r) => ({ passed: t.passed + r.passed, failed: t.failed + r.failed }), {
    passed: 0,
    failed: 0,
  })
console.log(`total: ${total.passed} passed, ${total.failed} failed`)
process.exitCode = results.some((r) => r.failed > 0 || r.status !== 0) ? 1 : 0
