#!/usr/bin/env node
/*
| `npm test`: the module dependency check, then the Japa suites on SQLite
| and, beside it, on PostgreSQL when PG_HOST or DATABASE_URL is set and
| reachable (in a throwaway database created and dropped here);
| TEST_ENGINES=serial runs the engines one after the other. The browser suite runs
| on SQLite only: it drives the same HTTP stack whatever the engine, and the
| engine differences are covered by the unit and functional suites on both.
| Prints one `<engine>: N passed, N failed` line per engine, with the suites
| it ran; exits non-zero on any failure.
|
| Extra arguments are passed to `node ace test` (suite names, `--files=...`;
| `--files=<folder>` expands to the folder's specs). `--no-deps-check` skips
| the dependency check (.ci/run runs it as a stage of its own).
*/
import { spawn, spawnSync } from 'node:child_process'
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs'
import { cpus } from 'node:os'
import { randomBytes } from 'node:crypto'
import { join, relative } from 'node:path'
import pg from 'pg'

const root = new URL('..', import.meta.url).pathname
const tmp = join(root, 'tmp')
mkdirSync(tmp, { recursive: true })
const results = []
/** TEST_RUN_ID lets several runs share a checkout: their files carry it. */
const runId = (process.env.TEST_RUN_ID ?? '').replace(/[^a-z0-9]/gi, '')
const runSuffix = runId ? `-${runId}` : ''

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

/**
 * Runs `node ace test` for an engine. With `logFile`, its output goes there
 * (an engine running beside another), else to this terminal.
 */
function runTests(args, env, logFile) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, {
      cwd: root,
      stdio: logFile ? ['ignore', 'pipe', 'pipe'] : 'inherit',
      env: { ...process.env, ...env },
    })
    if (logFile) {
      const log = createWriteStream(logFile)
      child.stdout.pipe(log, { end: false })
      child.stderr.pipe(log, { end: false })
      child.on('close', (code) => log.end(() => resolve(code ?? 1)))
    } else child.on('close', (code) => resolve(code ?? 1))
  })
}

async function runSuites(engine, env, logFile) {
  const engineSuites = suitesFor(engine)
  if (engineSuites.length === 0) {
    // A mistyped --files is not a green run.
    console.log(`\n${engine}: no suite matches the --files filter.`)
    results.push({ engine, passed: 0, failed: 1, status: 1, suites: [] })
    return
  }
  console.log(
    `\n==> ${engine}: suites ${engineSuites.join(', ')}${logFile ? ` (beside SQLite; output in ${relative(root, logFile)}, printed when both are done)` : ''}`
  )
  const summaryFile = join(tmp, `test-summary-${engine}${runSuffix}.json`)
  rmSync(summaryFile, { force: true })
  const status = await runTests(
    ['ace', 'test', ...engineSuites, ...japaArgs],
    { ...env, TEST_SUMMARY_FILE: summaryFile },
    logFile
  )
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

// 2. SQLite on a fresh file and PostgreSQL in a throwaway database, side by
// side on a machine of two cores or more (the suite waits on timers, child
// processes and sockets about half the time: two engines at once take ~60 %
// of the time of one after the other); TEST_ENGINES=serial runs them in turn.
// Each has its own port and storage folder; PostgreSQL's output is printed
// once SQLite's is done.
// TEST_RUN_ID lets several runs share a checkout (own SQLite file and storage).
const sqliteFile = join(tmp, `test${runSuffix}.sqlite3`)
const storage = join(tmp, `test-storage${runSuffix}`)
const pgStorage = join(tmp, `test-storage-pg${runSuffix}`)
for (const suffix of ['', '-wal', '-shm']) rmSync(sqliteFile + suffix, { force: true })
rmSync(storage, { recursive: true, force: true })
rmSync(pgStorage, { recursive: true, force: true })
const sideBySide = process.env.TEST_ENGINES !== 'serial' && cpus().length >= 2
const basePort = Number(process.env.PORT ?? 3339)

const sqliteRun = () =>
  runSuites('sqlite', { DB_CONNECTION: 'sqlite', SQLITE_PATH: sqliteFile, STORAGE_PATH: storage })

/** The PostgreSQL run, or null when it is skipped (said why). */
async function pgDatabase() {
  const pgConfig = pgAdminConfig()
  if (pgConfig && suitesFor('postgres').length === 0) {
    console.log(
      '\npostgres: no suite left to run (the browser suite runs on SQLite only); skipped.'
    )
    return null
  }
  if (!pgConfig) {
    console.log('\nPG_HOST / DATABASE_URL not set; PostgreSQL run skipped.')
    return null
  }
  const dbName = `authentix_test_${randomBytes(4).toString('hex')}`
  try {
    await withPg(pgConfig.admin, (c) => c.query(`CREATE DATABASE ${dbName}`))
  } catch (error) {
    console.log(`\nPostgreSQL not reachable (${error.message}); skipping the PostgreSQL run.`)
    return null
  }
  const env = { DB_CONNECTION: 'pg', STORAGE_PATH: pgStorage, PORT: String(basePort + 1) }
  if (pgConfig.url)
    env.DATABASE_URL = Object.assign(new URL(pgConfig.url), { pathname: `/${dbName}` }).toString()
  else env.PG_DB_NAME = dbName
  return {
    env,
    drop: () =>
      withPg(pgConfig.admin, (c) =>
        c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`)
      ).catch(() => {}),
  }
}

async function pgRun(logFile) {
  const database = await pgDatabase()
  if (!database) return
  try {
    await runSuites('postgres', database.env, logFile)
  } finally {
    await database.drop()
  }
}

if (sideBySide) {
  const pgLog = join(tmp, `test-output-postgres${runSuffix}.log`)
  rmSync(pgLog, { force: true })
  const pgDone = pgRun(pgLog)
  await sqliteRun()
  await pgDone
  if (existsSync(pgLog)) {
    console.log(`\n==> postgres output (${relative(root, pgLog)})`)
    process.stdout.write(readFileSync(pgLog))
  }
} else {
  await sqliteRun()
  await pgRun(null)
}

console.log('')
const ORDER = ['dependencies', 'sqlite', 'postgres']
results.sort((a, b) => ORDER.indexOf(a.engine) - ORDER.indexOf(b.engine))
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
