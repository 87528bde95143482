/*
| What the benchmarks that run inside the app share, on the side of the
| process `npm run bench` starts: the app they run (the production build,
| `node ace build`, unless --source), a throwaway work folder, the
| environment of a bench app (fs disk, silent log, no demo org), migrations,
| SQLite and a throwaway PostgreSQL database, and one fresh process per
| measured case whose JSON lines are passed on. The code that runs inside
| those processes shares bench/_app.ts.
*/
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'

export { machine } from './_machine.js'

export const root = new URL('..', import.meta.url).pathname

/** The value of `--name=value` on the command line, or `fallback`. */
export function option(name, fallback) {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`))
  return arg ? arg.split('=')[1] : fallback
}

/** `--engines=sqlite,postgres` (both by default). */
export function engines() {
  return String(option('engines', 'sqlite,postgres')).split(',')
}

/**
 * The app the bench processes run: the production build (compiled
 * JavaScript, no TypeScript loader in the process or its threads), as a
 * server runs it, or with --source the TypeScript sources through the loader.
 */
export function benchApp() {
  const build = !process.argv.includes('--source')
  let appRoot = root
  if (build) {
    const result = spawnSync(process.execPath, ['ace', 'build'], { cwd: root, encoding: 'utf8' })
    if (result.status !== 0)
      throw new Error(`node ace build failed: ${result.stdout}${result.stderr}`)
    appRoot = join(root, 'build')
    if (!existsSync(join(appRoot, 'node_modules')))
      symlinkSync(join(root, 'node_modules'), join(appRoot, 'node_modules'), 'dir')
  }
  return {
    mode: build ? 'build' : 'source',

    /** Runs the migrations on the database `env` points at. */
    migrate(env) {
      const result = spawnSync(process.execPath, ['ace', 'migration:run', '--force'], {
        cwd: appRoot,
        env,
        encoding: 'utf8',
      })
      if (result.status !== 0)
        throw new Error(`migrations failed: ${result.stdout}${result.stderr}`)
    },

    /**
     * Runs `bench/<script>` (without extension) in a fresh process of the app
     * and returns the JSON lines it printed (`{"bench":...}`). With `trace`,
     * its stderr and other stdout lines (the app's debug log) go to stderr.
     */
    run(script, env, { label = script, nodeArgs = [], trace = false } = {}) {
      const runner = build
        ? [`bench/${script}.js`]
        : ['--import=ts-node-maintained/register/esm', `bench/${script}.ts`]
      const result = spawnSync(process.execPath, [...nodeArgs, ...runner], {
        cwd: appRoot,
        env,
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      })
      if (result.status !== 0)
        throw new Error(`${label} run failed: ${result.stdout}${result.stderr}`)
      if (trace) process.stderr.write(result.stderr)
      const lines = []
      for (const line of result.stdout.trim().split('\n')) {
        if (line.startsWith('{"bench"')) lines.push(JSON.parse(line))
        else if (trace) process.stderr.write(`${line}\n`)
      }
      return lines
    },
  }
}

/** A folder under tmp/ for one bench run; `fn` runs with it, and it is deleted afterwards. */
export async function withWorkFolder(name, fn) {
  const work = join(root, 'tmp', `bench-${name}-${process.pid}`)
  mkdirSync(work, { recursive: true })
  try {
    return await fn(work)
  } finally {
    if (existsSync(work)) rmSync(work, { recursive: true, force: true })
  }
}

/** The environment of a bench app on `port`: its storage in `work`, no log, no demo org. */
export function appEnv({ work, engine, port }) {
  return {
    ...process.env,
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    PORT: String(port),
    APP_KEY: randomBytes(32).toString('base64url'),
    LOG_LEVEL: 'silent',
    DRIVE_DISK: 'fs',
    STORAGE_PATH: join(work, `storage-${engine}`),
    DEMO_OWNER_PASSWORD: '',
  }
}

/**
 * Calls `fn(engine, databaseEnv)` for each engine asked for: SQLite on a file
 * in `work`, then PostgreSQL in a database created for the run and dropped
 * after it, when PG_HOST/DATABASE_URL (default 127.0.0.1:5432, user
 * postgres) answers.
 */
export async function onEngines(names, work, fn) {
  if (names.includes('sqlite'))
    await fn('sqlite', { DB_CONNECTION: 'sqlite', SQLITE_PATH: join(work, 'bench.sqlite3') })
  if (names.includes('postgres'))
    await withThrowawayPostgres((env) => fn('postgres', { DB_CONNECTION: 'pg', ...env }))
}

async function withThrowawayPostgres(fn) {
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
      await fn(env)
    } finally {
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {})
    }
  }
  await client.end().catch(() => {})
}
