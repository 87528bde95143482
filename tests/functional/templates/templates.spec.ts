import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import { storageLocation } from '#config/drive'
import StoredFile from '#core/models/stored_file'
import CertificateTemplate from '#templates/models/certificate_template'
import CertificateTemplateVersion from '#templates/models/certificate_template_version'
import OrgTaxonomy from '#orgs/queries/org_taxonomy'
import { flashOf, fieldErrorOf, auditRows, metadataOf } from '#tests/helpers/orgs'
import { actingAs, givenCustomRole, givenMember, givenOrg } from '#tests/helpers/given'
import { NAME_AND_QR, designPdf, givenTemplate, signaturePng } from '#tests/helpers/given_templates'
import { fixture } from '#tests/helpers/templates'

function upload(
  client: any,
  bytes: Uint8Array,
  fields: Record<string, string> = {},
  filename = 'design.pdf'
) {
  let request = client.post('/templates').file('file', Buffer.from(bytes), { filename })
  for (const [name, value] of Object.entries({ name: 'Course completion 2026', ...fields }))
    request = request.field(name, value)
  return request.withCsrfToken().redirects(0)
}

test.group('Templates: upload', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('an uploaded PDF becomes a draft template with version 1, its files stored under the org', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const response = await actingAs(upload(client, await designPdf()), owner, org)
    response.assertStatus(302)
    const template = await CertificateTemplate.query()
      .where('organization_id', org.id)
      .firstOrFail()
    response.assertHeader('location', `/templates/${template.id}/edit`)
    assert.match(flashOf(response, 'success'), /created/)
    assert.equal(template.status, 'draft')
    assert.equal(template.currentVersionNumber, 1)
    assert.equal(template.createdBy, owner.id)

    const version = await CertificateTemplateVersion.findOrFail(template.currentVersionId)
    assert.closeTo(version.pageWidth, 841.89, 0.01)
    assert.closeTo(version.pageHeight, 595.28, 0.01)
    const files = await StoredFile.query().where('organization_id', org.id).orderBy('path')
    assert.deepEqual(
      files.map((f) => [f.kind, f.path.replace(`${org.id}/${template.id}`, '<org>/<template>')]),
      [
        ['template_source', 'certificate_templates/<org>/<template>/v0001/original.pdf'],
        [
          'template_preview',
          'certificate_templates/<org>/<template>/v0001/previews/background.png',
        ],
        ['template_source', 'certificate_templates/<org>/<template>/v0001/source.pdf'],
      ]
    )
    for (const file of files)
      assert.isTrue(existsSync(join(storageLocation(), file.path)), file.path)
    assert.equal(files.find((f) => f.path.endsWith('original.pdf'))!.originalName, 'design.pdf')

    const [audit] = await auditRows(org, 'template.created')
    assert.equal(audit.entity_id, template.id)
    assert.equal(metadataOf(audit).via, 'web')
  })

  test('a PNG design is accepted; the page is picked for a multi-page PDF', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const png = await actingAs(
      upload(client, signaturePng(1754, 1240), { name: 'Image design' }, 'design.png'),
      owner,
      org
    )
    png.assertStatus(302)
    assert.match(flashOf(png, 'success'), /created/)
    const image = await CertificateTemplate.query()
      .where('organization_id', org.id)
      .preload('currentVersion')
      .firstOrFail()
    assert.equal(image.currentVersion.meta.source_kind, 'png')
    assert.closeTo(image.currentVersion.pageWidth, 841.89, 0.01)

    const multi = await actingAs(
      upload(client, fixture('pdf/tracemonkey.pdf'), { page: '3' }, 'paper.pdf'),
      owner,
      org
    )
    multi.assertStatus(302)
    assert.match(flashOf(multi, 'success'), /14 pages; page 3 is used/)
    const version = await CertificateTemplateVersion.query()
      .where('organization_id', org.id)
      .whereNot('template_id', image.id)
      .firstOrFail()
    assert.equal(version.meta.page, 3)
    assert.equal(version.meta.page_count, 14)
  }).timeout(60_000)

  test('an encrypted PDF is refused with “password-protected” next to the file field, and nothing is stored', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const response = await actingAs(upload(client, fixture('pdf/empty_protected.pdf')), owner, org)
    response.assertStatus(302)
    response.assertHeader('location', '/templates/new')
    assert.match(fieldErrorOf(response, 'file'), /password-protected/)
    const templates = await CertificateTemplate.query().where('organization_id', org.id)
    assert.equal(templates.length, 0)
    const files = await StoredFile.query().where('organization_id', org.id)
    assert.equal(files.length, 0)
  })

  test('a PDF the parser cannot read is refused with a reason a person can act on, never the parser’s exception', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const tracemonkey = fixture('pdf/tracemonkey.pdf')
    const broken = {
      // What the parser says: "Cannot read properties of undefined (reading 'Pages')".
      'no catalog': new TextEncoder().encode('%PDF-1.4\ntrailer << >>\n%%EOF\n'),
      // "Failed to parse PDF document (line:11292 col:380 offset=204192): …"
      'cut in half': tracemonkey.slice(0, Math.floor(tracemonkey.length / 2)),
    }
    for (const [name, bytes] of Object.entries(broken)) {
      const response = await actingAs(upload(client, bytes), owner, org)
      response.assertStatus(302)
      const message = fieldErrorOf(response, 'file')
      assert.match(message, /^This PDF could not be read: it may be damaged or encrypted\./, name)
      assert.notMatch(message, /Cannot read|properties|Failed to parse|offset/, name)
    }
    const templates = await CertificateTemplate.query().where('organization_id', org.id)
    assert.equal(templates.length, 0)
  }).timeout(60_000)

  test('a page beyond the end, a wrong file type and a missing file are refused field by field', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const beyond = await actingAs(
      upload(client, fixture('pdf/sizes.pdf'), { page: '9' }),
      owner,
      org
    )
    assert.match(fieldErrorOf(beyond, 'page'), /has 3 pages; page 9 does not exist/)

    const zip = Buffer.from('PK\u0003\u0004 not really a zip but starts like one')
    const wrong = await actingAs(upload(client, zip, {}, 'design.pdf'), owner, org)
    assert.match(fieldErrorOf(wrong, 'file'), /cannot be a template: upload a PDF, PNG or JPEG/)

    const missing = await actingAs(
      client.post('/templates').form({ name: 'No file' }).withCsrfToken().redirects(0),
      owner,
      org
    )
    assert.match(fieldErrorOf(missing, 'file'), /Choose the PDF, PNG or JPEG/)
    const templates = await CertificateTemplate.query().where('organization_id', org.id)
    assert.equal(templates.length, 0)
  })

  test('a file over the upload limit is refused before anything parses it', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const big = Buffer.concat([
      Buffer.from('%PDF-1.4\n'),
      Buffer.alloc(10 * 1024 * 1024 + 10, 0x20),
    ])
    const response = await actingAs(upload(client, big), owner, org)
    response.assertStatus(302)
    assert.match(fieldErrorOf(response, 'file'), /larger than 10 MB/)
  })

  test('a category of another org or a subcategory of another category is refused', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const [first, second] = await OrgTaxonomy.for(org)
    const mismatch = await actingAs(
      upload(client, await designPdf(), {
        category_id: first.id,
        subcategory_id: second.subcategories[0].id,
      }),
      owner,
      org
    )
    assert.match(fieldErrorOf(mismatch, 'subcategory_id'), /no subcategory/)
    const unknown = await actingAs(
      upload(client, await designPdf(), { category_id: randomUUID() }),
      owner,
      org
    )
    assert.match(fieldErrorOf(unknown, 'category_id'), /no category/)

    const ok = await actingAs(
      upload(client, await designPdf(), {
        category_id: first.id,
        subcategory_id: first.subcategories[0].id,
      }),
      owner,
      org
    )
    ok.assertStatus(302)
    const template = await CertificateTemplate.query()
      .where('organization_id', org.id)
      .firstOrFail()
    assert.equal(template.categoryId, first.id)
    assert.equal(template.subcategoryId, first.subcategories[0].id)
  })
})

test.group('Templates: upload throttle', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  /** An upload request that stops at "choose a file": the throttle counts requests, not parses. */
  function emptyUpload(client: any, ip: string) {
    return client
      .post('/templates')
      .form({ name: 'No file yet' })
      .header('x-forwarded-for', ip)
      .withCsrfToken()
      .redirects(0)
  }

  test('an organization’s 11th upload in a minute gets 429 saying why; another organization is not held up', async ({
    client,
    assert,
  }) => {
    const first = await givenOrg()
    const second = await givenOrg()
    for (let i = 0; i < 10; i++) {
      const response = await actingAs(emptyUpload(client, '192.0.2.71'), first.owner, first.org)
      assert.equal(response.status(), 302, `upload ${i + 1}`)
    }
    const refused = await actingAs(emptyUpload(client, '192.0.2.72'), first.owner, first.org)
    assert.equal(refused.status(), 429)
    assert.include(refused.text(), 'Your organization has sent 10 files in the last minute')
    assert.isDefined(refused.header('retry-after'))
    const other = await actingAs(emptyUpload(client, '192.0.2.71'), second.owner, second.org)
    assert.equal(other.status(), 302)
  })

  test('one address gets 429 after 30 uploads in a minute, whichever organizations sent them', async ({
    client,
    assert,
  }) => {
    const orgs = await Promise.all([givenOrg(), givenOrg(), givenOrg(), givenOrg()])
    for (let i = 0; i < 30; i++) {
      const { org, owner } = orgs[i % 4]
      const response = await actingAs(emptyUpload(client, '192.0.2.73'), owner, org)
      assert.equal(response.status(), 302, `upload ${i + 1}`)
    }
    const refused = await actingAs(emptyUpload(client, '192.0.2.73'), orgs[2].owner, orgs[2].org)
    assert.equal(refused.status(), 429)
    assert.include(refused.text(), 'sent from your network address in the last minute')
    const elsewhere = await actingAs(emptyUpload(client, '192.0.2.74'), orgs[2].owner, orgs[2].org)
    assert.equal(elsewhere.status(), 302)
  })
})

test.group('Templates: pages', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('the list shows the org’s templates with previews, never another org’s', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { org: other } = await givenOrg()
    const { template } = await givenTemplate(org, { name: 'Merit award', fields: NAME_AND_QR })
    await givenTemplate(other, { name: 'Other org secret design' })
    const response = await actingAs(client.get('/templates'), owner, org)
    response.assertStatus(200)
    assert.include(response.text(), 'Merit award')
    assert.include(response.text(), `/templates/${template.id}/versions/2/files/preview`)
    assert.notInclude(response.text(), 'Other org secret design')
  })

  test('the list filters by status and name; archived templates only show when asked for', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    await givenTemplate(org, { name: 'Alpha draft' })
    await givenTemplate(org, { name: 'Beta live', fields: NAME_AND_QR, status: 'active' })
    await givenTemplate(org, { name: 'Gamma old', status: 'archived' })
    const names = async (query: string) => {
      const listed = await actingAs(client.get(`/templates${query}`), owner, org)
      const text = listed.text()
      return ['Alpha draft', 'Beta live', 'Gamma old'].filter((name) => text.includes(name))
    }
    assert.deepEqual(await names(''), ['Alpha draft', 'Beta live'])
    assert.deepEqual(await names('?status=active'), ['Beta live'])
    assert.deepEqual(await names('?status=archived'), ['Gamma old'])
    assert.deepEqual(await names('?status=all'), ['Alpha draft', 'Beta live', 'Gamma old'])
    assert.deepEqual(await names('?q=gam&status=all'), ['Gamma old'])
  }).timeout(60_000)

  test('the template page shows its versions and the designer page its fields', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { template } = await givenTemplate(org, { fields: NAME_AND_QR })
    const show = await actingAs(client.get(`/templates/${template.id}`), owner, org)
    show.assertStatus(200)
    assert.include(show.text(), 'data-version="2"')
    assert.include(show.text(), 'data-version="1"')
    const edit = await actingAs(client.get(`/templates/${template.id}/edit`), owner, org)
    edit.assertStatus(200)
    const data = JSON.parse(
      /data-designer="([^"]+)"/
        .exec(edit.text())![1]
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/&amp;/g, '&')
    )
    assert.equal(data.version, 2)
    assert.deepEqual(
      data.fields.map((f: any) => [f.key, f.type, f.x, f.y]),
      [
        ['recipient_name', 'text', 120, 240],
        ['verification_url', 'qrcode', 680, 420],
      ]
    )
    assert.isTrue(data.fonts.some((font: any) => font.key === 'noto-sans-tamil'))
  })

  test('renaming and recategorising changes the template, not its version', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { template } = await givenTemplate(org)
    const [category] = await OrgTaxonomy.for(org)
    const response = await actingAs(
      client
        .put(`/templates/${template.id}`)
        .form({ name: 'Renamed design', category_id: category.id })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    response.assertStatus(302)
    await template.refresh()
    assert.equal(template.name, 'Renamed design')
    assert.equal(template.categoryId, category.id)
    assert.equal(template.currentVersionNumber, 1)
  })

  test('a member of another org gets 404 for every page of a template', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    const { org: mine, owner } = await givenOrg()
    const { template } = await givenTemplate(org, { fields: NAME_AND_QR })
    for (const path of [
      `/templates/${template.id}`,
      `/templates/${template.id}/edit`,
      `/templates/${template.id}/versions/1/files/background`,
      `/templates/${template.id}/versions/2/files/preview`,
      `/templates/${template.id}/versions/1/files/source`,
      `/templates/${template.id}/versions/1/files/original`,
    ]) {
      const response = await actingAs(client.get(path), owner, mine)
      assert.equal(response.status(), 404, path)
    }
  })

  test('a role without templates.manage gets 403 on the templates pages', async ({ client }) => {
    const { org } = await givenOrg()
    const role = await givenCustomRole(org, ['audit.view'])
    const { user } = await givenMember(org, role)
    const { template } = await givenTemplate(org)
    const list = await actingAs(client.get('/templates'), user, org)
    list.assertStatus(403)
    const background = await actingAs(
      client.get(`/templates/${template.id}/versions/1/files/background`),
      user,
      org
    )
    background.assertStatus(403)
  })
})

test.group('Templates: version files', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('version files download with their type, nosniff and an RFC 6266 name chosen by the server', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { template } = await givenTemplate(org, { name: 'प्रमाण पत्र 2026', fields: NAME_AND_QR })
    const source = await actingAs(
      client.get(`/templates/${template.id}/versions/2/files/source`),
      owner,
      org
    )
    source.assertStatus(200)
    assert.equal(source.header('content-type'), 'application/pdf')
    assert.equal(source.header('x-content-type-options'), 'nosniff')
    assert.equal(
      source.header('content-disposition'),
      `attachment; filename="_-_-2026-v2-template.pdf"; filename*=UTF-8''${encodeURIComponent('प्रमाण-पत्र-2026-v2-template.pdf')}`
    )
    const preview = await actingAs(
      client.get(`/templates/${template.id}/versions/2/files/preview`),
      owner,
      org
    )
    preview.assertStatus(200)
    assert.equal(preview.header('content-type'), 'image/webp')
    assert.match(preview.header('content-disposition') ?? '', /^inline; /)
    const unknownKind = await actingAs(
      client.get(`/templates/${template.id}/versions/2/files/secrets`),
      owner,
      org
    )
    unknownKind.assertStatus(404)
    const noVersion = await actingAs(
      client.get(`/templates/${template.id}/versions/9/files/source`),
      owner,
      org
    )
    noVersion.assertStatus(404)
    const firstHasNoPreview = await actingAs(
      client.get(`/templates/${template.id}/versions/1/files/preview`),
      owner,
      org
    )
    firstHasNoPreview.assertStatus(404)
  })
})
