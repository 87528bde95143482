import { randomUUID } from 'node:crypto'
import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import OrgTaxonomy from '#orgs/queries/org_taxonomy'
import CertificateTemplate from '#templates/models/certificate_template'
import { givenOrg } from '#tests/helpers/given'
import { givenApiKey } from '#tests/helpers/api_keys'
import { auditRows, metadataOf } from '#tests/helpers/orgs'
import {
  NAME_AND_QR,
  designPdf,
  givenBrandingAsset,
  givenTemplate,
} from '#tests/helpers/given_templates'
import { fixture } from '#tests/helpers/templates'
import { binary, bytesOf } from '#tests/helpers/binary'
import { extractText } from '#templates/services/rasterize'

async function apiOrg() {
  const { org } = await givenOrg()
  const { secret } = await givenApiKey(org)
  return { org, key: secret }
}

function createRequest(
  client: any,
  key: string,
  bytes: Uint8Array,
  fields: Record<string, string> = {},
  filename = 'design.pdf'
) {
  let request = client
    .post('/api/v1/templates')
    .bearerToken(key)
    .file('file', Buffer.from(bytes), { filename })
  for (const [name, value] of Object.entries({ name: 'API design', ...fields }))
    request = request.field(name, value)
  return request
}

test.group('API: templates', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('POST /api/v1/templates answers 201 with the contract fields and version 1 without fields', async ({
    client,
    assert,
  }) => {
    const { org, key } = await apiOrg()
    const [category] = await OrgTaxonomy.for(org)
    const response = await createRequest(client, key, await designPdf(), {
      name: 'Completion 2026',
      category_key: category.key,
      subcategory_key: category.subcategories[0].key,
    })
    response.assertStatus(201)
    const body = response.body()
    assert.containsSubset(body, {
      name: 'Completion 2026',
      status: 'draft',
      category_key: category.key,
      subcategory_key: category.subcategories[0].key,
      current_version: {
        number: 1,
        page_width: 841.89,
        page_height: 595.28,
        fields: [],
        page: 1,
        page_count: 1,
      },
    })
    assert.match(body.id, /^[0-9a-f-]{36}$/)
    assert.match(body.current_version.id, /^[0-9a-f-]{36}$/)
    const [audit] = await auditRows(org, 'template.created')
    assert.equal(metadataOf(audit).via, 'api')
  })

  test('the page of a multi-page PDF is chosen with `page`; a missing page is a 422 naming the field', async ({
    client,
    assert,
  }) => {
    const { key } = await apiOrg()
    const fifth = await createRequest(client, key, fixture('pdf/tracemonkey.pdf'), { page: '5' })
    fifth.assertStatus(201)
    assert.deepInclude(fifth.body().current_version, {
      page: 5,
      page_count: 14,
      page_width: 612,
      page_height: 792,
    })
    const beyond = await createRequest(client, key, fixture('pdf/tracemonkey.pdf'), { page: '15' })
    beyond.assertStatus(422)
    assert.deepEqual(beyond.body().errors, [
      {
        code: 'E_PAGE_OUT_OF_RANGE',
        message: 'This PDF has 14 pages; page 15 does not exist.',
        field: 'page',
      },
    ])
  }).timeout(30_000)

  test('bad uploads get the status and code of their problem, never a 500', async ({
    client,
    assert,
  }) => {
    const { org, key } = await apiOrg()
    const cases: Array<[Uint8Array | null, number, string]> = [
      [fixture('pdf/empty_protected.pdf'), 422, 'E_PDF_ENCRYPTED'],
      [
        new Uint8Array(Buffer.from('name,email\nA,a@example.com\n')),
        415,
        'E_UNSUPPORTED_FILE_TYPE',
      ],
      [fixture('pdf/bomb_giant.pdf'), 422, 'E_FILE_UNREADABLE'],
      [
        new Uint8Array(
          Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(10 * 1024 * 1024 + 1)])
        ),
        413,
        'E_FILE_TOO_LARGE',
      ],
    ]
    for (const [bytes, status, code] of cases) {
      const response = await createRequest(client, key, bytes!)
      assert.equal(response.status(), status, code)
      assert.equal(response.body().errors[0].code, code)
      assert.equal(response.body().errors[0].field, 'file')
    }
    const encrypted = await createRequest(client, key, fixture('pdf/empty_protected.pdf'))
    assert.match(encrypted.body().errors[0].message, /password-protected/)
    const noFile = await client.post('/api/v1/templates').bearerToken(key).field('name', 'x')
    noFile.assertStatus(422)
    assert.equal(noFile.body().errors[0].code, 'E_FILE_REQUIRED')
    const noName = await createRequest(client, key, await designPdf(), { name: '' })
    noName.assertStatus(422)
    assert.equal(noName.body().errors[0].field, 'name')
    const badCategory = await createRequest(client, key, await designPdf(), {
      category_key: 'no_such_category',
    })
    badCategory.assertStatus(422)
    assert.deepEqual(badCategory.body().errors[0], {
      code: 'E_UNKNOWN_CATEGORY',
      message: 'There is no category “no_such_category” in this organization.',
      field: 'category_key',
    })
    assert.lengthOf(await CertificateTemplate.query().where('organization_id', org.id), 0)
  }).timeout(30_000)

  test('PUT fields makes a new version whose number increments, with every style field echoed', async ({
    client,
    assert,
  }) => {
    const { org, key } = await apiOrg()
    const { template } = await givenTemplate(org)
    const fields = [
      {
        key: 'recipient_name',
        type: 'text',
        x: 120.5,
        y: 240,
        width: 600,
        height: 60,
        font_family: 'Noto Serif',
        font_size: 36,
        color: '#1A237E',
        align: 'center',
        bold: true,
        auto_fit: true,
        required: true,
      },
      {
        key: 'issue_date',
        type: 'date',
        x: 120,
        y: 480,
        width: 200,
        height: 30,
        date_format: 'dd/MM/yyyy',
        align: 'left',
      },
      { type: 'qrcode', x: 680, y: 420, width: 120, height: 120 },
    ]
    const first = await client
      .put(`/api/v1/templates/${template.id}/fields`)
      .bearerToken(key)
      .json({ fields })
    first.assertStatus(200)
    const version = first.body().current_version
    assert.equal(version.number, 2)
    assert.deepEqual(version.fields[0], {
      key: 'recipient_name',
      type: 'text',
      label: 'Recipient name',
      x: 120.5,
      y: 240,
      width: 600,
      height: 60,
      font_family: 'noto-serif',
      font_size: 36,
      min_font_size: 8,
      color: '#1a237e',
      align: 'center',
      bold: true,
      auto_fit: true,
      date_format: 'd MMMM yyyy',
      required: true,
      asset_id: null,
      qr_color: '#000000',
    })
    assert.deepInclude(version.fields[1], { key: 'issue_date', date_format: 'dd/MM/yyyy' })
    assert.deepInclude(
      version.fields[2],
      { key: 'verification_url', type: 'qrcode' },
      'QR fields default to verification_url'
    )

    const second = await client
      .put(`/api/v1/templates/${template.id}/fields`)
      .bearerToken(key)
      .json({ fields: fields.slice(0, 1) })
    assert.equal(second.body().current_version.number, 3)
    const shown = await client.get(`/api/v1/templates/${template.id}`).bearerToken(key)
    assert.equal(shown.body().current_version.number, 3)
    assert.lengthOf(shown.body().current_version.fields, 1)
  })

  test('invalid fields answer 422 with one error per problem, each naming its field', async ({
    client,
    assert,
  }) => {
    const { org, key } = await apiOrg()
    const { template } = await givenTemplate(org)
    const response = await client
      .put(`/api/v1/templates/${template.id}/fields`)
      .bearerToken(key)
      .json({
        fields: [
          { key: 'recipient_name', type: 'text', x: 10, y: 10, width: 100, height: 20 },
          {
            key: 'recipient_name',
            type: 'text',
            x: 10,
            y: 40,
            width: 100,
            height: 20,
            date_format: 'YYYY',
          },
          {
            key: 'logo',
            type: 'image',
            x: 10,
            y: 70,
            width: 100,
            height: 20,
            asset_id: randomUUID(),
          },
        ],
      })
    response.assertStatus(422)
    assert.deepEqual(
      response.body().errors.map((e: any) => [e.code, e.field]),
      [
        ['E_FIELD_KEY_DUPLICATE', 'fields.1.key'],
        ['E_DATE_FORMAT_UNKNOWN', 'fields.1.date_format'],
        ['E_IMAGE_UNKNOWN', 'fields.2.asset_id'],
      ]
    )
    const shape = await client
      .put(`/api/v1/templates/${template.id}/fields`)
      .bearerToken(key)
      .json({ fields: [{ type: 'circle', x: -1 }] })
    shape.assertStatus(422)
    assert.includeMembers(
      shape.body().errors.map((e: any) => e.field),
      ['fields.0.type', 'fields.0.x', 'fields.0.y', 'fields.0.width', 'fields.0.height']
    )
    const stale = await client
      .put(`/api/v1/templates/${template.id}/fields`)
      .bearerToken(key)
      .json({ fields: [], base_version: 7 })
    stale.assertStatus(409)
    assert.equal(stale.body().errors[0].code, 'E_VERSION_CONFLICT')
  })

  test('PUT with no fields empties the template, unless remove_all_fields is false', async ({
    client,
    assert,
  }) => {
    const { org, key } = await apiOrg()
    const { template } = await givenTemplate(org, { fields: NAME_AND_QR })
    const refused = await client
      .put(`/api/v1/templates/${template.id}/fields`)
      .bearerToken(key)
      .json({ fields: [], remove_all_fields: false })
    refused.assertStatus(422)
    assert.deepEqual(refused.body().errors, [
      {
        code: 'E_FIELDS_ALL_REMOVED',
        message:
          'Version 2 has 2 fields; send "remove_all_fields": true to save a version without fields.',
        field: 'fields',
      },
    ])
    await template.refresh()
    assert.equal(template.currentVersionNumber, 2)

    const saved = await client
      .put(`/api/v1/templates/${template.id}/fields`)
      .bearerToken(key)
      .json({ fields: [] })
    saved.assertStatus(200)
    assert.equal(saved.body().current_version.number, 3)
    assert.deepEqual(saved.body().current_version.fields, [])
  })

  test('image fields take a branding image of the org', async ({ client, assert }) => {
    const { org, key } = await apiOrg()
    const { template } = await givenTemplate(org)
    const asset = await givenBrandingAsset(org)
    const response = await client
      .put(`/api/v1/templates/${template.id}/fields`)
      .bearerToken(key)
      .json({
        fields: [
          {
            key: 'signature',
            type: 'image',
            x: 600,
            y: 450,
            width: 150,
            height: 50,
            asset_id: asset.id,
          },
        ],
      })
    response.assertStatus(200)
    assert.equal(response.body().current_version.fields[0].asset_id, asset.id)
  })

  test('GET lists newest first with pagination meta; show and list include only the key’s org', async ({
    client,
    assert,
  }) => {
    const { org, key } = await apiOrg()
    const { org: other } = await givenOrg()
    const { template: otherTemplate } = await givenTemplate(other, { name: 'Theirs' })
    const { template: first } = await givenTemplate(org, { name: 'First' })
    await new Promise((resolve) => setTimeout(resolve, 1100))
    const { template: second } = await givenTemplate(org, { name: 'Second' })
    const list = await client.get('/api/v1/templates?per_page=1').bearerToken(key)
    list.assertStatus(200)
    assert.deepEqual(list.body().meta, { total: 2, page: 1, per_page: 1 })
    assert.equal(list.body().data[0].id, second.id)
    const page2 = await client.get('/api/v1/templates?per_page=1&page=2').bearerToken(key)
    assert.equal(page2.body().data[0].id, first.id)
    const tooMany = await client.get('/api/v1/templates?per_page=500').bearerToken(key)
    tooMany.assertStatus(422)

    const foreign = await client.get(`/api/v1/templates/${otherTemplate.id}`).bearerToken(key)
    const unknown = await client.get(`/api/v1/templates/${randomUUID()}`).bearerToken(key)
    const malformed = await client.get('/api/v1/templates/not-a-uuid').bearerToken(key)
    for (const response of [foreign, unknown, malformed]) {
      response.assertStatus(404)
      assert.deepEqual(response.body(), {
        errors: [{ code: 'E_NOT_FOUND', message: 'Resource not found' }],
      })
    }
  }).timeout(30_000)

  test('another org’s template is a 404 for fields, archive, activation and files', async ({
    client,
    assert,
  }) => {
    const { key } = await apiOrg()
    const { org: other } = await givenOrg()
    const { template } = await givenTemplate(other, { fields: NAME_AND_QR })
    const attempts = [
      client.put(`/api/v1/templates/${template.id}/fields`).bearerToken(key).json({ fields: [] }),
      client.post(`/api/v1/templates/${template.id}/archive`).bearerToken(key),
      client.delete(`/api/v1/templates/${template.id}/archive`).bearerToken(key),
      client.post(`/api/v1/templates/${template.id}/activation`).bearerToken(key),
      client.get(`/api/v1/templates/${template.id}/files/preview`).bearerToken(key),
    ]
    for (const attempt of attempts) {
      const response = await attempt
      assert.equal(response.status(), 404)
      assert.equal(response.body().errors[0].code, 'E_NOT_FOUND')
    }
    await template.refresh()
    assert.equal(template.status, 'draft')
    assert.equal(template.currentVersionNumber, 2)
  })

  test('POST archive archives; an archived template refuses new fields; DELETE archive restores it', async ({
    client,
    assert,
  }) => {
    const { org, key } = await apiOrg()
    const { template } = await givenTemplate(org, { fields: NAME_AND_QR })
    const activated = await client
      .post(`/api/v1/templates/${template.id}/activation`)
      .bearerToken(key)
    assert.equal(activated.body().status, 'active')
    const archived = await client.post(`/api/v1/templates/${template.id}/archive`).bearerToken(key)
    archived.assertStatus(200)
    assert.equal(archived.body().status, 'archived')
    const again = await client.post(`/api/v1/templates/${template.id}/archive`).bearerToken(key)
    assert.equal(again.body().status, 'archived', 'archiving twice is harmless')
    const refused = await client
      .put(`/api/v1/templates/${template.id}/fields`)
      .bearerToken(key)
      .json({ fields: [] })
    refused.assertStatus(409)
    assert.equal(refused.body().errors[0].code, 'E_TEMPLATE_ARCHIVED')
    const restored = await client
      .delete(`/api/v1/templates/${template.id}/archive`)
      .bearerToken(key)
    assert.equal(restored.body().status, 'draft')
  })

  test('the current version’s page PDF and preview can be downloaded', async ({
    client,
    assert,
  }) => {
    const { org, key } = await apiOrg()
    const { template } = await givenTemplate(org, { fields: NAME_AND_QR })
    const shown = await client.get(`/api/v1/templates/${template.id}`).bearerToken(key)
    const preview = await client
      .get(new URL(shown.body().current_version.preview_url).pathname)
      .bearerToken(key)
    preview.assertStatus(200)
    assert.equal(preview.header('content-type'), 'image/webp')
    const source = await binary(
      client.get(new URL(shown.body().current_version.source_url).pathname).bearerToken(key)
    )
    source.assertStatus(200)
    assert.equal(source.header('content-type'), 'application/pdf')
    assert.include(await extractText(bytesOf(source)), 'Certificate of Completion')
  })
})
