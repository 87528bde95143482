/*
| Certificate generation end to end: an org, a one-page template (six text
| fields in two fonts, a QR code) and recipient lists of 1,000 and 10,000
| rows (an Indic name in every tenth) made through the real actions, then a
| generation job per list issued by the queue worker the web process runs
| (`GenerationWorker`: chunks claimed, numbered, rendered in the rendering
| threads, stored on a throwaway Drive fs disk, issued). On SQLite and,
| when PG_HOST/DATABASE_URL (default 127.0.0.1:5432, user postgres)
| answers, PostgreSQL. Each list is issued by a fresh process warmed by a
| 2,000-recipient job (a server that has issued a few thousand
| certificates since it started; BENCH_WARM=N to change). The same certificates' data is then rendered by
| @pdfme/generator in one `generate()` batch for comparison.
|
| One JSON line per engine and list: certificates/s (worker start to the
| job row completed), pdfme's certificates/s and our speed ÷ pdfme's, p99
| event-loop delay of the process running the worker while it ran, bytes
| stored per certificate (its part plus its share of the chunk's base),
| the template's source PDF size, peak resident memory (threads included).
|
|   npm run bench -- generate [--recipients=1000,10000] [--pdfme=1000] [--lanes=N] [--engines=sqlite,postgres] [--source]
|
| Production build (`node ace build`) unless --source, as bench/import.js.
| GENERATION_THREADS / GENERATION_CHUNK_SIZE in the environment pass through.
| On ext4 without a journal (these machines), inodes freed in the last few
| minutes make new files slow to create (the allocator skips them, one
| lookup each): run it a few minutes after deleting many files (a test run).
|
|   targets: ≥ 1000 certificates/s, ≥ 25× pdfme, p99 ≤ 50 ms, ≤ 10 KB per certificate beyond the template
*/
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { machine } from './_machine.js'

const root = new URL('..', import.meta.url).pathname
const option = (name, fallback) => {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`))
  return arg ? arg.split('=')[1] : fallback
}
const SIZES = String(option('recipients', '1000,10000'))
  .split(',')
  .map(Number)
  .filter((n) => Number.isInteger(n) && n > 0)
const PDFME_MAX = Number(option('pdfme', 1000))
const LANES = option('lanes', null)
const BUILD = !process.argv.includes('--source')
let appRoot = root
if (BUILD) {
  const build = spawnSync(process.execPath, ['ace', 'build'], { cwd: root, encoding: 'utf8' })
  if (build.status !== 0) throw new Error(`node ace build failed: ${build.stdout}${build.stderr}`)
  appRoot = join(root, 'build')
  if (!existsSync(join(appRoot, 'node_modules')))
    symlinkSync(join(root, 'node_modules'), join(appRoot, 'node_modules'), 'dir')
}
const work = join(root, 'tmp', `bench-generate-${process.pid}`)
mkdirSync(work, { recursive: true })

function run(engine, extraEnv) {
  const env = {
    ...process.env,
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    PORT: '3392',
    APP_KEY: randomBytes(32).toString('base64url'),
    LOG_LEVEL: process.env.BENCH_TRACE ? 'debug' : 'silent',
    DRIVE_DISK: 'fs',
    STORAGE_PATH: join(work, `storage-${engine}`),
    DEMO_OWNER_PASSWORD: '',
    GENERATION_WORKER: 'off',
    BENCH_PDFME_MAX: String(PDFME_MAX),
    BENCH_ENGINE: engine,
    ...(LANES ? { BENCH_LANES: String(LANES) } : {}),
    ...extraEnv,
  }
  const migrate = spawnSync(process.execPath, ['ace', 'migration:run', '--force'], {
    cwd: appRoot,
    env,
    encoding: 'utf8',
  })
  if (migrate.status !== 0) throw new Error(`migrations failed: ${migrate.stdout}${migrate.stderr}`)
  const runner = BUILD
    ? ['bench/_generate_run.js']
    : ['--import=ts-node-maintained/register/esm', 'bench/_generate_run.ts']
  // One process per list: each figure is a warm server issuing that job, not that job after the other.
  for (const recipients of SIZES) {
    // Other work on the machine shows in every figure here: the load average before the run is printed with them.
    const load = Math.round(loadavg()[0] * 100) / 100
    const nodeArgs = process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : []
    const result = spawnSync(process.execPath, [...nodeArgs, ...runner], {
      cwd: appRoot,
      env: { ...env, BENCH_RECIPIENTS: String(recipients) },
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    })
    if (result.status !== 0)
      throw new Error(`${engine} ${recipients} run failed: ${result.stdout}${result.stderr}`)
    if (process.env.BENCH_TRACE) process.stderr.write(result.stderr)
    for (const line of result.stdout.trim().split('\n')) {
      // With BENCH_TRACE the app's debug log (a line per chunk) comes on stdout too: to stderr.
      if (!line.startsWith('{"bench"')) {
        if (process.env.BENCH_TRACE) process.stderr.write(`${line}\n`)
      } else
        console.log(
          JSON.stringify({
            ...JSON.parse(line),
            mode: BUILD ? 'build' : 'source',
            load_1m_before: load,
            machine: machine(),
          })
        )
    }
  }
}

const ENGINES = String(option('engines', 'sqlite,postgres')).split(',')
try {
  if (ENGINES.includes('sqlite'))
    run('sqlite', { DB_CONNECTION: 'sqlite', SQLITE_PATH: join(work, 'bench.sqlite3') })
  if (ENGINES.includes('postgres')) await runPostgres()
} finally {
  if (existsSync(work)) rmSync(work, { recursive: true, force: true })
}

async function runPostgres() {
  const pgHost = process.env.PG_HOST ?? (process.env.DATABASE_URL ? null : '127.0.0.1')
  const admin = process.env.DATABASE_URL
    ? {
        connectionString: Object.assign(new URL(process.env.DATABASE_URL), {
          pathname: '/postgres',
        }).toString(),
      }
    : {
        host: pgHost,
        port: Number(process.env.PG_PORT ?? 5432),
        user: process.env.PG_USER ?? 'postgres',
        password: process.env.PG_PASSWORD ?? '',
        database: 'postgres',
      }
  const name = `authentix_bench_${randomBytes(4).toString('hex')}`
  const client = new pg.Client({ ...admin, connectionTimeoutMillis: 3000 })
  let created = false
  try {
    await client.connect()
    await client.query(`CREATE DATABASE ${name}`)
    created = true
  } catch (error) {
    console.error(`PostgreSQL not reachable (${error.message}); PostgreSQL run skipped`)
  }
  if (created) {
    try {
      const env = process.env.DATABASE_URL
        ? {
            DATABASE_URL: Object.assign(new URL(process.env.DATABASE_URL), {
              pathname: `/${name}`,
            }).toString(),
          }
        : {
            PG_HOST: admin.host,
            PG_PORT: String(admin.port),
            PG_USER: admin.user,
            PG_PASSWORD: admin.password,
            PG_DB_NAME: name,
          }
      run('postgres', { DB_CONNECTION: 'pg', ...env })
    } finally {
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {})
    }
  }
  await client.end().catch(() => {})
}
