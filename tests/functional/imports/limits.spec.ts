import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import imports from '#config/imports'
import CreateImport from '#imports/actions/create_import'
import FileImportJob from '#imports/models/file_import_job'
import { givenOrg } from '#tests/helpers/given'
import { givenApiKey } from '#tests/helpers/api_keys'
import { givenImport, rowsOf } from '#tests/helpers/imports'
import { fixture } from '#tests/helpers/templates'
import {
  SHEET_HEAD,
  SHEET_TAIL,
  part,
  repeatedPart,
  sheetRow,
  workbookParts,
  zipOf,
} from '#tests/helpers/zip'

/** Runs `body` with some import limits lowered, restoring them after. */
async function withLimits(
  limits: Partial<Pick<typeof imports, 'maxRows' | 'maxColumns'>>,
  body: () => Promise<void>
) {
  const saved = { maxRows: imports.maxRows, maxColumns: imports.maxColumns }
  Object.assign(imports, limits)
  try {
    await body()
  } finally {
    Object.assign(imports, saved)
  }
}

/** A sheet whose one row repeats until the sheet unpacks to about `megabytes` MB (and compresses a thousandfold). */
function bombSheet(megabytes: number) {
  const row =
    '<row><c t="inlineStr"><is><t>AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA</t></is></c></row>'
  return repeatedPart(
    'xl/worksheets/sheet1.xml',
    SHEET_HEAD + sheetRow(1, ['Full Name']),
    row,
    Math.ceil((megabytes * 1024 * 1024) / row.length),
    SHEET_TAIL
  )
}

test.group('Imports: limits', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('more rows than the limit: the import fails naming the limit, no rows are kept; the API answers 422', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    const { secret } = await givenApiKey(org)
    await withLimits({ maxRows: 1000 }, async () => {
      const job = await givenImport(org, 'recipients/rows-5000.csv')
      assert.equal(job.status, 'failed')
      assert.equal(job.failureCode, 'E_TOO_MANY_ROWS')
      assert.equal(
        job.failureMessage,
        'The file has more than 1,000 recipient rows, the most one import may have. Split it into several files.'
      )
      assert.lengthOf(
        await rowsOf(job, { withSkipped: true }),
        0,
        'the batches written before the limit was crossed are gone'
      )

      const response = await client
        .post('/api/v1/imports')
        .bearerToken(secret)
        .file('file', Buffer.from(fixture('recipients/rows-5000.csv')), { filename: 'rows.csv' })
      response.assertStatus(422)
      assert.containsSubset(response.body().errors[0], { code: 'E_TOO_MANY_ROWS', field: 'file' })
      assert.match(response.body().errors[0].message, /more than 1,000 recipient rows/)
    })
  }).timeout(60_000)

  test('more columns than the limit: refused naming the limit', async ({ assert }) => {
    const { org } = await givenOrg()
    await withLimits({ maxColumns: 5 }, async () => {
      const job = await givenImport(org, 'recipients/clean-50.csv')
      assert.equal(job.failureCode, 'E_TOO_MANY_COLUMNS')
      assert.equal(job.failureMessage, 'The file has 6 columns; at most 5 are accepted.')
    })
  }).timeout(60_000)

  test('a zip bomb built here is refused before it is unpacked: too large in total, or a part that grows too much', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const huge = zipOf(workbookParts(await bombSheet(300)))
    assert.isBelow(huge.byteLength, 2 * 1024 * 1024, 'a 300 MB sheet in under 2 MB')
    const tooLarge = await givenImport(org, { bytes: huge, name: 'bomb.xlsx' })
    assert.equal(tooLarge.status, 'failed')
    assert.equal(tooLarge.failureCode, 'E_WORKBOOK_TOO_LARGE')
    assert.match(tooLarge.failureMessage!, /^This Excel file cannot be read: .*unpack.* 128 MB/)

    const dense = zipOf(workbookParts(await bombSheet(20)))
    const ratio = await givenImport(org, { bytes: dense, name: 'dense.xlsx' })
    assert.equal(ratio.failureCode, 'E_WORKBOOK_TOO_LARGE')
    assert.match(
      ratio.failureMessage!,
      /a part of the file claims to grow \d+ times when unpacked \(a ZIP bomb\)/
    )
  }).timeout(120_000)

  test('too many parts, or a part that unpacks past the size it declares, is refused with a clear message', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const many = zipOf([
      ...workbookParts(SHEET_HEAD + sheetRow(1, ['Name']) + sheetRow(2, ['Asha']) + SHEET_TAIL),
      ...Array.from({ length: 1000 }, (_, i) => part(`xl/media/pad${i}.xml`, 'x')),
    ])
    const tooMany = await givenImport(org, { bytes: many, name: 'many.xlsx' })
    assert.equal(tooMany.failureCode, 'E_WORKBOOK_TOO_LARGE')
    assert.match(
      tooMany.failureMessage!,
      /the file holds 1005 parts; a workbook of recipients has at most 1000/
    )

    const sheet = part(
      'xl/worksheets/sheet1.xml',
      SHEET_HEAD +
        sheetRow(1, ['Full Name']) +
        Array.from({ length: 3000 }, (_, i) => sheetRow(i + 2, [`Person ${i}`])).join('') +
        SHEET_TAIL
    )
    const lying = zipOf(workbookParts({ ...sheet, size: 2048 }))
    const liar = await givenImport(org, { bytes: lying, name: 'liar.xlsx' })
    assert.equal(liar.failureCode, 'E_WORKBOOK_INVALID')
    assert.match(liar.failureMessage!, /unpacks to more than its declared size/)
  }).timeout(60_000)

  test('while a large file is read the web process keeps answering other requests', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    const lines = ['Full Name,Email Address,Mobile No.,Course Name,Date of Completion']
    for (let i = 0; i < 60_000; i++)
      lines.push(
        `Person ${i},person${i}@example.in,98${String(i).padStart(8, '0')},Course ${i % 7},15/03/2026`
      )
    const created = await CreateImport.handle({
      org,
      file: { bytes: new Uint8Array(Buffer.from(lines.join('\n'))), originalName: 'big.csv' },
      actorUserId: null,
    })
    if (created.kind !== 'created') throw new Error(created.kind)
    let finished = false
    created.run.finally(() => (finished = true)).catch(() => {})

    // Requests are answered one after another while the read is still going: the loop never waits on it.
    let answeredDuringRead = 0
    while (!finished) {
      const health = await client.get('/healthz')
      health.assertStatus(200)
      if (!finished) answeredDuringRead++
    }
    await created.run
    const job = await FileImportJob.findOrFail(created.job.id)
    assert.equal(job.status, 'ready')
    assert.equal(job.totalRows, 60_000)
    assert.isAtLeast(answeredDuringRead, 5, 'requests answered while the file was being read')
  }).timeout(120_000)
})
