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
|   npm run bench -- import [--rows=100000] [--engines=sqlite,postgres] [--source]
|
| By default it runs the production build (`node ace build`: compiled
| JavaScript, no TypeScript loader in the process or its threads), as a
| server runs it; --source runs the TypeScript sources through the loader
| (about 190 MB more resident memory for the loader in two threads).
|   targets (2 cores): CSV ≤ 5 s, XLSX ≤ 10 s, peak RSS ≤ 300 MB
*/
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import ExcelJS from 'exceljs'
import {
  appEnv,
  benchApp,
  engines,
  machine,
  onEngines,
  option,
  withWorkFolder,
} from './_harness.js'

const ROWS = Number(option('rows', 100_000))
const app = benchApp()

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

/**
 * The ROWS-row CSV and XLSX, and a few rows of each format that a run
 * imports first so the code that reads it is compiled, as on a running server.
 */
async function writeFiles(work) {
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

  return [
    { format: 'csv', path: csvPath, rows: ROWS, warm: warmCsvPath },
    { format: 'xlsx', path: xlsxPath, rows: ROWS, warm: warmXlsxPath },
  ]
}

await withWorkFolder('import', async (work) => {
  const files = await writeFiles(work)
  await onEngines(engines(), work, (engine, databaseEnv) => {
    const env = { ...appEnv({ work, engine, port: 3391 }), ...databaseEnv }
    app.migrate(env)
    // One process per file: each figure is a warm server importing that file, not that file after the other.
    for (const file of files) {
      const lines = app.run(
        '_import_run',
        { ...env, BENCH_FILES: JSON.stringify([file]) },
        { label: `${engine} ${file.format}` }
      )
      for (const line of lines)
        console.log(JSON.stringify({ ...line, mode: app.mode, machine: machine() }))
    }
  })
})
