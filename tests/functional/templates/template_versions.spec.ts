import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import CertificateTemplateVersion from '#templates/models/certificate_template_version'
import CertificateTemplate from '#templates/models/certificate_template'
import { readFileOfOrg } from '#core/queries/org_files'
import { extractText } from '#templates/services/rasterize'
import { flashOf, fieldErrorOf, auditRows } from '#tests/helpers/orgs'
import { actingAs, givenOrg } from '#tests/helpers/given'
import { NAME_AND_QR, givenBrandingAsset, givenTemplate } from '#tests/helpers/given_templates'
import { fixture } from '#tests/helpers/templates'
import { inspectPage } from '#tests/helpers/pdf_inspect'
import { decodeQr } from '#tests/helpers/qr'
import { binary, bytesOf } from '#tests/helpers/binary'

function saveFields(
  client: any,
  templateId: string,
  fields: unknown,
  baseVersion?: number,
  extra: Record<string, string> = {}
) {
  return client
    .put(`/templates/${templateId}/fields`)
    .form({
      fields_json: typeof fields === 'string' ? fields : JSON.stringify(fields),
      ...(baseVersion ? { base_version: String(baseVersion) } : {}),
      ...extra,
    })
    .withCsrfToken()
    .redirects(0)
}

test.group('Templates: saving fields', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('saving fields makes a new version; the previous one stays as it was', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { template } = await givenTemplate(org)
    const first = await actingAs(saveFields(client, template.id, NAME_AND_QR, 1), owner, org)
    first.assertStatus(302)
    first.assertHeader('location', `/templates/${template.id}/edit`)
    assert.equal(flashOf(first, 'success'), 'Saved as version 2.')

    const moved = NAME_AND_QR.map((f) =>
      f.key === 'recipient_name' ? { ...f, y: 260, font_size: 30 } : f
    )
    const second = await actingAs(saveFields(client, template.id, moved, 2), owner, org)
    assert.equal(flashOf(second, 'success'), 'Saved as version 3.')

    const versions = await CertificateTemplateVersion.query()
      .where('template_id', template.id)
      .preload('fields')
      .orderBy('version_number')
    assert.deepEqual(
      versions.map((v) => v.versionNumber),
      [1, 2, 3]
    )
    assert.lengthOf(versions[0].fields, 0)
    const name = (v: CertificateTemplateVersion) =>
      v.fields.find((f) => f.fieldKey === 'recipient_name')!
    assert.equal(name(versions[1]).config.y, 240)
    assert.equal(name(versions[1]).config.font_size, 36)
    assert.equal(name(versions[2]).config.y, 260)
    assert.equal(
      versions[2].sourceFileId,
      versions[0].sourceFileId,
      'the page is shared, not copied'
    )
    assert.isNotNull(versions[1].previewFileId)
    assert.notEqual(versions[1].previewFileId, versions[2].previewFileId)
    await template.refresh()
    assert.equal(template.currentVersionId, versions[2].id)
    assert.lengthOf(await auditRows(org, 'template.version_created'), 2)
  })

  test('the stored preview is drawn by the certificate renderer with sample data', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const { version } = await givenTemplate(org, { fields: NAME_AND_QR })
    const { file, bytes } = await readFileOfOrg(org.id, version.previewFileId!)
    assert.equal(file.mimeType, 'image/webp')
    assert.equal(
      file.path,
      `certificate_templates/${org.id}/${version.templateId}/v0002/previews/preview.webp`
    )
    assert.isAbove(bytes.length, 2000)
  })

  test('a bad field is refused with its number and reason, and the designer gets the unsaved fields back', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { template } = await givenTemplate(org)
    const fields = [
      { key: 'recipient_name', type: 'text', x: 100, y: 100, width: 300, height: 40 },
      { key: 'recipient_name', type: 'text', x: 100, y: 200, width: 300, height: 40 },
      { key: 'Bad Key!', type: 'text', x: 100, y: 300, width: 300, height: 40 },
      {
        key: 'course_name',
        type: 'text',
        x: 700,
        y: 300,
        width: 300,
        height: 40,
        font_family: 'Comic Sans',
      },
      { type: 'image', x: 10, y: 10, width: 50, height: 50 },
    ]
    const response = await actingAs(saveFields(client, template.id, fields), owner, org)
    response.assertStatus(302)
    response.assertHeader('location', `/templates/${template.id}/edit`)
    const problems = response.flashMessages().designer_problems as Array<{
      field: string
      message: string
    }>
    assert.deepEqual(
      problems.map((p) => p.field),
      [
        'fields.1.key',
        'fields.2.key',
        'fields.3.width',
        'fields.3.font_family',
        'fields.4.asset_id',
      ]
    )
    assert.match(
      problems[0].message,
      /^Field 2: the key "recipient_name" is already used by field 1/
    )
    assert.match(problems[2].message, /goes past the page, which is 841.89 × 595.28 pt/)
    assert.match(problems[3].message, /no font "Comic Sans"/)
    assert.equal(response.flashMessages().designer_fields, JSON.stringify(fields))
    await template.refresh()
    assert.equal(template.currentVersionNumber, 1)

    const page = await actingAs(
      client.get(`/templates/${template.id}/edit`),
      owner,
      org
    ).withFlashMessages(response.flashMessages())
    assert.include(page.text(), 'id="designer-problems"')
    assert.include(page.text(), 'Bad Key!')
  })

  test('a save on top of a version someone else saved meanwhile is refused, not merged', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { template } = await givenTemplate(org, { fields: NAME_AND_QR })
    const stale = await actingAs(
      saveFields(client, template.id, NAME_AND_QR.slice(0, 1), 1),
      owner,
      org
    )
    assert.match(flashOf(stale, 'error'), /saved version 2 while you were editing/)
    await template.refresh()
    assert.equal(template.currentVersionNumber, 2)
  })

  test('a save without fields over a version with fields is refused unless removing them all is confirmed', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { template } = await givenTemplate(org, { fields: NAME_AND_QR })

    const refused = await actingAs(saveFields(client, template.id, [], 2), owner, org)
    refused.assertStatus(302)
    refused.assertHeader('location', `/templates/${template.id}/edit`)
    assert.equal(
      flashOf(refused, 'error'),
      'Nothing was saved: version 2 has 2 fields and this save had none. To save a version without fields, tick “Remove every field” beside the save button.'
    )
    assert.isUndefined(
      refused.flashMessages().designer_fields,
      'the designer reopens on the saved fields, not on the empty list'
    )
    await template.refresh()
    assert.equal(template.currentVersionNumber, 2)
    const reopened = await actingAs(client.get(`/templates/${template.id}/edit`), owner, org)
    assert.include(reopened.text(), '&quot;key&quot;:&quot;recipient_name&quot;')

    const unticked = await actingAs(
      saveFields(client, template.id, [], 2, { remove_all_fields: '' }),
      owner,
      org
    )
    assert.match(flashOf(unticked, 'error'), /^Nothing was saved/)

    const confirmed = await actingAs(
      saveFields(client, template.id, [], 2, { remove_all_fields: '1' }),
      owner,
      org
    )
    assert.equal(flashOf(confirmed, 'success'), 'Saved as version 3.')
    const current = await CertificateTemplateVersion.query()
      .where('template_id', template.id)
      .where('version_number', 3)
      .preload('fields')
      .firstOrFail()
    assert.lengthOf(current.fields, 0)

    // Once the current version has no fields, saving none again needs no confirmation.
    const again = await actingAs(saveFields(client, template.id, [], 3), owner, org)
    assert.equal(flashOf(again, 'success'), 'Saved as version 4.')
  })

  test('unreadable JSON and out-of-range numbers are refused with a message', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { template } = await givenTemplate(org)
    const garbage = await actingAs(saveFields(client, template.id, '{not json'), owner, org)
    assert.match(flashOf(garbage, 'error'), /could not be read/)
    const tiny = await actingAs(
      saveFields(client, template.id, [
        { key: 'recipient_name', type: 'text', x: 1, y: 1, width: 1, height: 1, font_size: 900 },
      ]),
      owner,
      org
    )
    const problems = tiny.flashMessages().designer_problems as Array<{ field: string }>
    assert.includeMembers(
      problems.map((p) => p.field),
      ['fields.0.width', 'fields.0.height', 'fields.0.font_size']
    )
  })

  test('image fields draw the org’s branding image; another org’s image is refused', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { org: other } = await givenOrg()
    const { template } = await givenTemplate(org)
    const mine = await givenBrandingAsset(org)
    const theirs = await givenBrandingAsset(other)
    const image = (assetId: string) => [
      {
        key: 'signature',
        type: 'image',
        x: 600,
        y: 450,
        width: 150,
        height: 50,
        asset_id: assetId,
      },
    ]
    const refused = await actingAs(saveFields(client, template.id, image(theirs.id)), owner, org)
    assert.match(
      (refused.flashMessages().designer_problems as any[])[0].message,
      /not one of this organization’s branding images/
    )
    const saved = await actingAs(saveFields(client, template.id, image(mine.id)), owner, org)
    assert.equal(flashOf(saved, 'success'), 'Saved as version 2.')
  })

  test('an archived template’s fields cannot change', async ({ client, assert }) => {
    const { org, owner } = await givenOrg()
    const { template } = await givenTemplate(org, { status: 'archived' })
    const response = await actingAs(saveFields(client, template.id, NAME_AND_QR), owner, org)
    response.assertHeader('location', `/templates/${template.id}`)
    assert.match(flashOf(response, 'error'), /archived/)
  })
})

test.group('Templates: live preview', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('the preview PDF draws the unsaved fields with the typed values, through the issuing renderer', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { template } = await givenTemplate(org)
    const response = await actingAs(
      binary(
        client
          .post(`/templates/${template.id}/previews`)
          .json({ format: 'pdf', fields: NAME_AND_QR, row: { recipient_name: 'தமிழ்செல்வி முருகன்' } })
          .withCsrfToken()
      ),
      owner,
      org
    )
    response.assertStatus(200)
    assert.equal(response.header('content-type'), 'application/pdf')
    const bytes = bytesOf(response)
    assert.include(await extractText(bytes), 'தமிழ்செல்வி முருகன்')
    const { glyphs } = await inspectPage(bytes)
    assert.isTrue(glyphs.every((g) => g.baseFont.endsWith('NotoSansTamil-Regular')))
  })

  test('the preview PNG shows a scannable QR code of the sample verification link', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { template } = await givenTemplate(org, { fields: NAME_AND_QR })
    const response = await actingAs(
      client.post(`/templates/${template.id}/previews`).json({}).withCsrfToken(),
      owner,
      org
    )
    response.assertStatus(200)
    assert.equal(response.header('content-type'), 'image/png')
    const qr = await decodeQr(bytesOf(response))
    assert.match(qr?.data ?? '', /\/v\/sample-preview-not-a-certificate$/)
  })

  test('text too long for its box is named in the answer', async ({ client, assert }) => {
    const { org, owner } = await givenOrg()
    const { template } = await givenTemplate(org)
    const narrow = [
      {
        key: 'recipient_name',
        type: 'text',
        x: 100,
        y: 100,
        width: 60,
        height: 30,
        font_size: 24,
        min_font_size: 20,
      },
    ]
    const response = await actingAs(
      client
        .post(`/templates/${template.id}/previews`)
        .json({ fields: narrow, row: { recipient_name: 'Venkata Lakshmi Narasimha' } })
        .withCsrfToken(),
      owner,
      org
    )
    response.assertStatus(200)
    assert.equal(response.header('x-authentix-overflow'), 'recipient_name')
  })

  test('invalid unsaved fields answer 422 with the problems', async ({ client, assert }) => {
    const { org, owner } = await givenOrg()
    const { template } = await givenTemplate(org)
    const response = await actingAs(
      client
        .post(`/templates/${template.id}/previews`)
        .json({ fields: [{ key: 'x', type: 'text', x: 800, y: 10, width: 300, height: 30 }] })
        .withCsrfToken(),
      owner,
      org
    )
    response.assertStatus(422)
    assert.equal(response.body().errors[0].code, 'E_FIELD_OUTSIDE_PAGE')
  })
})

test.group('Templates: page replacement and status', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('another page of the uploaded PDF becomes a new version with the same fields', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { template } = await givenTemplate(org, { pdf: fixture('pdf/sizes.pdf') })
    await actingAs(
      saveFields(client, template.id, [
        { key: 'recipient_name', type: 'text', x: 500, y: 700, width: 100, height: 40 },
      ]),
      owner,
      org
    )
    const response = await actingAs(
      client
        .put(`/templates/${template.id}/source`)
        .form({ page: '2' })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    response.assertStatus(302)
    await template.refresh()
    assert.equal(template.currentVersionNumber, 3)
    const version = await CertificateTemplateVersion.query()
      .where('id', template.currentVersionId!)
      .preload('fields')
      .firstOrFail()
    assert.equal(version.meta.page, 2)
    const field = version.fields[0]
    // Page 2 is smaller: the field was moved onto it and the user told so.
    assert.isAtMost(field.config.x + field.config.width, version.pageWidth)
    assert.isAtMost(field.config.y + field.config.height, version.pageHeight)
    assert.match(flashOf(response, 'success'), /did not fit on the new page/)
  }).timeout(30_000)

  test('a new file replaces the page; a password-protected one is refused', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { template } = await givenTemplate(org, { fields: NAME_AND_QR })
    const refused = await actingAs(
      client
        .put(`/templates/${template.id}/source`)
        .file('file', Buffer.from(fixture('pdf/empty_protected.pdf')), { filename: 'x.pdf' })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    assert.match(fieldErrorOf(refused, 'file'), /password-protected/)
    const replaced = await actingAs(
      client
        .put(`/templates/${template.id}/source`)
        .file('file', Buffer.from(fixture('pdf/alphatrans.pdf')), { filename: 'new.pdf' })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    assert.match(flashOf(replaced, 'success'), /version 3/)
  }).timeout(30_000)

  test('activation needs fields; archiving and restoring change only the status', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { template } = await givenTemplate(org)
    const post = (path: string) =>
      actingAs(client.post(path).withCsrfToken().redirects(0), owner, org)
    const del = (path: string) =>
      actingAs(client.delete(path).withCsrfToken().redirects(0), owner, org)
    assert.match(
      flashOf(await post(`/templates/${template.id}/activation`), 'error'),
      /Place at least one field/
    )
    await actingAs(saveFields(client, template.id, NAME_AND_QR), owner, org)
    assert.match(
      flashOf(await post(`/templates/${template.id}/activation`), 'success'),
      /is active/
    )
    const activated = await CertificateTemplate.findOrFail(template.id)
    assert.equal(activated.status, 'active')
    assert.match(flashOf(await post(`/templates/${template.id}/archive`), 'success'), /archived/)
    const archived = await CertificateTemplate.findOrFail(template.id)
    assert.equal(archived.status, 'archived')
    assert.isNotNull(archived.archivedAt)
    assert.match(
      flashOf(await post(`/templates/${template.id}/activation`), 'error'),
      /Restore this template/
    )
    assert.match(
      flashOf(await del(`/templates/${template.id}/archive`), 'success'),
      /restored as a draft/
    )
    const restored = await CertificateTemplate.findOrFail(template.id)
    assert.equal(restored.status, 'draft')
    assert.equal(restored.currentVersionNumber, 2)
    const archivals = await auditRows(org, 'template.archived')
    assert.deepEqual(archivals.length, 1)
    const restorations = await auditRows(org, 'template.restored')
    assert.deepEqual(restorations.length, 1)
  })
})
