import { randomUUID } from 'node:crypto'
import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import imports from '#config/imports'
import FileImportJob from '#imports/models/file_import_job'
import { givenOrg } from '#tests/helpers/given'
import { givenApiKey } from '#tests/helpers/api_keys'
import { auditRows, metadataOf } from '#tests/helpers/orgs'
import { givenTemplate } from '#tests/helpers/given_templates'
import { givenImport, settled } from '#tests/helpers/imports'
import { fixture } from '#tests/helpers/templates'

async function apiOrg() {
  const { org } = await givenOrg()
  const { secret } = await givenApiKey(org)
  return { org, key: secret }
}

function createRequest(
  client: any,
  key: string,
  bytes: Uint8Array,
  filename: string,
  fields: Record<string, string> = {}
) {
  let request = client
    .post('/api/v1/imports')
    .bearerToken(key)
    .file('file', Buffer.from(bytes), { filename })
  for (const [name, value] of Object.entries(fields)) request = request.field(name, value)
  return request
}

test.group('API: imports', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('POST /api/v1/imports answers 201 with the contract fields once the file is read', async ({
    client,
    assert,
  }) => {
    const { org, key } = await apiOrg()
    const response = await createRequest(
      client,
      key,
      fixture('recipients/messy-excel-export.csv'),
      'messy.csv'
    )
    response.assertStatus(201)
    const body = response.body()
    assert.containsSubset(body, {
      status: 'ready',
      total_rows: 18,
      valid_rows: 14,
      error_rows: 4,
      warning_rows: 2,
      columns: [
        'Full Name',
        'Email Address',
        'Mobile No.',
        'Course Name',
        'Date of Completion',
        'Grade',
        'Column G',
      ],
      mapping: {
        recipient_name: 'Full Name',
        recipient_email: 'Email Address',
        recipient_phone: 'Mobile No.',
        course_name: 'Course Name',
        issue_date: 'Date of Completion',
        grade: 'Grade',
      },
      file_name: 'messy.csv',
      format: 'csv',
      failure: null,
    })
    const job = await FileImportJob.findOrFail(body.id)
    assert.equal(job.organizationId, org.id)
    const [audit] = await auditRows(org, 'import.created')
    assert.equal(metadataOf(audit).via, 'api')

    const shown = await client.get(`/api/v1/imports/${body.id}`).bearerToken(key)
    shown.assertStatus(200)
    assert.deepEqual(shown.body(), body)
    const list = await client.get('/api/v1/imports').bearerToken(key)
    assert.deepEqual(list.body().meta, { total: 1, page: 1, per_page: 25 })
    assert.equal(list.body().data[0].id, body.id)
  }).timeout(60_000)

  test('GET /api/v1/imports/:id/rows?only=errors lists the bad rows with field, code, message and column', async ({
    client,
    assert,
  }) => {
    const { org, key } = await apiOrg()
    const job = await givenImport(org, 'recipients/messy-excel-export.csv')
    const response = await client
      .get(`/api/v1/imports/${job.id}/rows`)
      .qs({ only: 'errors' })
      .bearerToken(key)
    response.assertStatus(200)
    const { data, meta } = response.body()
    assert.deepEqual(meta, { total: 4, page: 1, per_page: 50 })
    assert.deepEqual(
      data.map((row: any) => row.row_index),
      [12, 13, 14, 19]
    )
    assert.deepEqual(data[0].errors, [
      {
        field: 'recipient_email',
        code: 'E_EMAIL_INVALID',
        message: 'Email Address (column B): “bad.email@” is not a valid email address.',
        column: 'Email Address',
      },
    ])
    assert.equal(data[0].data.recipient_name, 'Bad Email')

    const page = await client
      .get(`/api/v1/imports/${job.id}/rows`)
      .qs({ page: 2, per_page: 5 })
      .bearerToken(key)
    assert.deepEqual(page.body().meta, { total: 18, page: 2, per_page: 5 })
    assert.deepEqual(
      page.body().data.map((row: any) => row.row_index),
      [7, 8, 9, 11, 12],
      'the blank row 10 is not a recipient'
    )

    const bad = await client
      .get(`/api/v1/imports/${job.id}/rows`)
      .qs({ only: 'broken' })
      .bearerToken(key)
    bad.assertStatus(422)
    assert.equal(bad.body().errors[0].field, 'only')
  }).timeout(60_000)

  test('a mapping sent with the upload is used and remembered; PUT …/mapping re-checks the rows', async ({
    client,
    assert,
  }) => {
    const { key } = await apiOrg()
    const mapping = { recipient_name: 'Full Name', recipient_phone: 'Mobile No.' }
    const created = await createRequest(
      client,
      key,
      fixture('recipients/messy-excel-export.csv'),
      'messy.csv',
      { mapping: JSON.stringify(mapping) }
    )
    created.assertStatus(201)
    assert.deepEqual(created.body().mapping, mapping)
    assert.deepEqual(
      [created.body().valid_rows, created.body().error_rows],
      [16, 2],
      'the bad phone and the long name'
    )
    const again = await createRequest(
      client,
      key,
      fixture('recipients/messy-excel-export.csv'),
      'messy.csv'
    )
    assert.deepEqual(again.body().mapping, mapping, 'remembered for the same headers')

    const remapped = await client
      .put(`/api/v1/imports/${created.body().id}/mapping`)
      .bearerToken(key)
      .json({ mapping: { recipient_name: 'Full Name', recipient_email: 'Email Address' } })
    remapped.assertStatus(200)
    assert.deepEqual(remapped.body().mapping, {
      recipient_name: 'Full Name',
      recipient_email: 'Email Address',
    })
    assert.deepEqual(
      [remapped.body().valid_rows, remapped.body().error_rows],
      [16, 2],
      'the bad email and the long name'
    )
    const errorRows = await client
      .get(`/api/v1/imports/${created.body().id}/rows`)
      .qs({ only: 'errors' })
      .bearerToken(key)
    assert.deepEqual(
      errorRows.body().data.map((row: any) => row.row_index),
      [12, 19]
    )

    const wrong = await client
      .put(`/api/v1/imports/${created.body().id}/mapping`)
      .bearerToken(key)
      .json({ mapping: { recipient_name: 'Nope' } })
    wrong.assertStatus(422)
    assert.containsSubset(wrong.body().errors[0], { code: 'E_MAPPING_INVALID', field: 'mapping' })
    assert.match(wrong.body().errors[0].message, /Nope/)

    const unknownKey = await client
      .put(`/api/v1/imports/${created.body().id}/mapping`)
      .bearerToken(key)
      .json({ mapping: { shoe_size: 'Grade' } })
    unknownKey.assertStatus(422)
    assert.equal(unknownKey.body().errors[0].code, 'E_MAPPING_INVALID')
  }).timeout(60_000)

  test('bad uploads are refused with the contract status and a specific code', async ({
    client,
    assert,
  }) => {
    const { org, key } = await apiOrg()
    const missing = await client.post('/api/v1/imports').bearerToken(key).field('sheet', 'x')
    missing.assertStatus(422)
    assert.containsSubset(missing.body().errors[0], { code: 'E_FILE_REQUIRED', field: 'file' })

    const pdf = await createRequest(client, key, fixture('pdf/tracemonkey.pdf'), 'list.csv')
    pdf.assertStatus(415)
    assert.equal(pdf.body().errors[0].code, 'E_UNSUPPORTED_TYPE')

    const badJson = await createRequest(client, key, fixture('recipients/clean-50.csv'), 'a.csv', {
      mapping: '{recipient_name:',
    })
    badJson.assertStatus(422)
    assert.containsSubset(badJson.body().errors[0], { code: 'E_VALIDATION', field: 'mapping' })

    const { org: foreignOrg } = await givenOrg()
    const { template: foreignTemplate } = await givenTemplate(foreignOrg)
    const otherTemplate = await createRequest(
      client,
      key,
      fixture('recipients/clean-50.csv'),
      'a.csv',
      { template_ids: foreignTemplate.id }
    )
    otherTemplate.assertStatus(422)
    assert.containsSubset(otherTemplate.body().errors[0], {
      code: 'E_UNKNOWN_TEMPLATE',
      field: 'template_ids',
    })

    const badColumn = await createRequest(
      client,
      key,
      fixture('recipients/clean-50.csv'),
      'a.csv',
      { mapping: JSON.stringify({ recipient_name: 'Nope' }) }
    )
    badColumn.assertStatus(422)
    assert.containsSubset(badColumn.body().errors[0], {
      code: 'E_MAPPING_INVALID',
      field: 'mapping',
    })
    assert.equal(badColumn.body().import.status, 'failed')

    const broken = await createRequest(client, key, fixture('xlsx/invalid-xml.xlsx'), 'broken.xlsx')
    broken.assertStatus(422)
    assert.equal(broken.body().errors[0].code, 'E_WORKBOOK_INVALID')

    const previous = imports.maxBytes
    imports.maxBytes = 2048
    try {
      const big = await createRequest(client, key, fixture('recipients/rows-5000.csv'), 'big.csv')
      big.assertStatus(413)
      assert.containsSubset(big.body().errors[0], { code: 'E_FILE_TOO_LARGE', field: 'file' })
      assert.match(big.body().errors[0].message, /larger than 2 KB/)
    } finally {
      imports.maxBytes = previous
    }
    assert.lengthOf(
      await FileImportJob.query().where('organization_id', org.id).where('status', 'ready'),
      0
    )
  }).timeout(60_000)

  test("another org's import answers 404, the same as an unknown id", async ({
    client,
    assert,
  }) => {
    const { key } = await apiOrg()
    const { org: otherOrg } = await givenOrg()
    const other = await givenImport(otherOrg, 'recipients/semicolon.csv')
    for (const path of [`/api/v1/imports/${other.id}`, `/api/v1/imports/${other.id}/rows`]) {
      const foreign = await client.get(path).bearerToken(key)
      const unknown = await client.get(path.replace(other.id, randomUUID())).bearerToken(key)
      foreign.assertStatus(404)
      assert.deepEqual(foreign.body(), unknown.body())
    }
    const put = await client
      .put(`/api/v1/imports/${other.id}/mapping`)
      .bearerToken(key)
      .json({ mapping: { recipient_name: 'Name' } })
    put.assertStatus(404)
    const otherSettled = await settled(other.id)
    assert.equal(otherSettled.mapping.recipient_name, other.mapping.recipient_name)
  }).timeout(60_000)
})
