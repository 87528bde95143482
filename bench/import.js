/*
| Recipient imports at the limit: generates a 100,000-row CSV and the same
| rows as an .xlsx, then runs each through the real path (stored original,
| read in the worker thread, validation, batched inserts of 2,000 rows each
| in their own transaction) on SQLite and, when PG_HOST/DATABASE_URL
| answers, PostgreSQL. Each file is imported by a fresh, warmed-up process
| (app booted, reader thread started by one small import). Prints one JSON
| line per engine and format: rows/s, wall time, peak resident memory of
| the process (its threads included) and its resident memory before.
|
|   npm run bench -- import [--rows=100000] [--source]
|
| By default it runs the production build (`node ace build`: compiled
| JavaScript, no TypeScript loader in the process or its threads), as a
| server runs it; --source runs the TypeScript sources through the loader
| (about 190 MB more resident memory for the loader in two threads).
|   targets (2 cores): CSV ≤ 5 s, XLSX ≤ 10 s, peak RSS ≤ 300 MB
*/
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import ExcelJS from 'exceljs'
import pg from 'pg'
import { machine } from './_machine.js'

const root = new URL('..', import.meta.url).pathname
const option = (name, fallback) => {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`))
  return arg ? Number(arg.split('=')[1]) : fallback
}
const ROWS = option('rows', 100_000)
const BUILD = !process.argv.includes('--source')
let appRoot = root
if (BUILD) {
  const build = spawnSync(process.execPath, ['ace', 'build'], { cwd: root, encoding: 'utf8' })
  if (build.status !== 0) throw new Error(`node ace build failed: ${build.stdout}${build.stderr}`)
  appRoot = join(root, 'build')
  if (!existsSync(join(appRoot, 'node_modules')))
    symlinkSync(join(root, 'node_modules'), join(appRoot, 'node_modules'), 'dir')
}
const work = join(root, 'tmp', `bench-import-${process.pid}`)
mkdirSync(work, { recursive: true })

const FIRST = [
  'Aarav',
  'Vivaan',
  'Aditya',
  'Diya',
  'Ananya',
  'Ishaan',
  'Saanvi',
  'Kabir',
  'Meera',
  'Rohan',
]
const LAST = ['Sharma', 'Iyer', 'Reddy', 'Nair', 'Gupta', 'Banerjee', 'Patel', 'Menon']
const COURSES = [
  'Full Stack Web Development',
  'Data Science with Python',
  'UI/UX Design Fundamentals',
]
const row = (i) => [
  i % 50 === 0 ? 'अनन्या गुप्ता' : `${FIRST[i % FIRST.length]} ${LAST[(i * 7) % LAST.length]} ${i}`,
  `learner.${i}@example.in`,
  `+9198${String(i).padStart(8, '0')}`,
  COURSES[i % COURSES.length],
  `${String((i % 28) + 1).padStart(2, '0')}/03/2026`,
  ['A+', 'A', 'B+', 'B'][i % 4],
]
const HEADER = ['Full Name', 'Email Address', 'Mobile No.', 'Course', 'Date of Completion', 'Grade']

const csvPath = join(work, 'recipients-100k.csv')
const csvLines = [HEADER.join(',')]
for (let i = 0; i < ROWS; i++)
  csvLines.push(
    row(i)
      .map((v) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v))
      .join(',')
  )
writeFileSync(csvPath, `${csvLines.join('\r\n')}\r\n`)

const xlsxPath = join(work, 'recipients-100k.xlsx')
const writer = new ExcelJS.stream.xlsx.WorkbookWriter({
  filename: xlsxPath,
  useSharedStrings: true,
})
const sheet = writer.addWorksheet('Recipients')
sheet.addRow(HEADER).commit()
for (let i = 0; i < ROWS; i++) {
  const values = row(i)
  values[2] = Number(values[2].slice(3)) // phone numbers as numbers, as Excel keeps them
  values[4] = new Date(Date.UTC(2026, 2, (i % 28) + 1))
  const added = sheet.addRow(values)
  added.getCell(5).numFmt = 'dd/mm/yyyy'
  added.commit()
}
sheet.commit()
await writer.commit()

// A few rows of each format, imported first so the code that reads it is compiled, as on a running server.
const warmCsvPath = join(work, 'warm.csv')
writeFileSync(warmCsvPath, csvLines.slice(0, 501).join('\r\n'))
const warmXlsxPath = join(work, 'warm.xlsx')
const warmWriter = new ExcelJS.stream.xlsx.WorkbookWriter({
  filename: warmXlsxPath,
  useSharedStrings: true,
})
const warmSheet = warmWriter.addWorksheet('Recipients')
warmSheet.addRow(HEADER).commit()
for (let i = 0; i < 500; i++) warmSheet.addRow(row(i)).commit()
warmSheet.commit()
await warmWriter.commit()

const files = [
  { format: 'csv', path: csvPath, rows: ROWS, warm: warmCsvPath },
  { format: 'xlsx', path: xlsxPath, rows: ROWS, warm: warmXlsxPath },
]

function run(engine, extraEnv) {
  const env = {
    ...process.env,
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    PORT: '3391',
    APP_KEY: randomBytes(32).toString('base64url'),
    LOG_LEVEL: 'silent',
    DRIVE_DISK: 'fs',
    STORAGE_PATH: join(work, `storage-${engine}`),
    DEMO_OWNER_PASSWORD: '',
    ...extraEnv,
  }
  const migrate = spawnSync(process.execPath, ['ace', 'migration:run', '--force'], {
    cwd: appRoot,
    env,
    encoding: 'utf8',
  })
  if (migrate.status !== 0) throw new Error(`migrations failed: ${migrate.stdout}${migrate.stderr}`)
  const runner = BUILD
    ? ['bench/_import_run.js']
    : ['--import=ts-node-maintained/register/esm', 'bench/_import_run.ts']
  // One process per file: each figure is a warm server importing that file, not that file after the other.
  for (const file of files) {
    const result = spawnSync(process.execPath, runner, {
      cwd: appRoot,
      env: { ...env, BENCH_FILES: JSON.stringify([file]) },
      encoding: 'utf8',
    })
    if (result.status !== 0)
      throw new Error(`${engine} ${file.format} run failed: ${result.stdout}${result.stderr}`)
    for (const line of result.stdout.trim().split('\n')) {
      if (line.startsWith('{'))
        console.log(
          JSON.stringify({
            ...JSON.parse(line),
            mode: BUILD ? 'build' : 'source',
            machine: machine(),
          })
        )
    }
  }
}

try {
  run('sqlite', { DB_CONNECTION: 'sqlite', SQLITE_PATH: join(work, 'bench.sqlite3') })
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
} finally {
  if (existsSync(work)) rmSync(work, { recursive: true, force: true })
}
